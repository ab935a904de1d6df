"""Files people send, served to staff of their association only, with safe headers, audited."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.models import Attachment, AuditEvent
from db.models.attachments import FAILED
from db.session import SessionMaker
from gateway.audit import VIEW_ATTACHMENT
from lien.console.templating import environment
from tests.gateway.media import sample
from tests.lien.attachment_seed import (
    Seeded,
    message_with_files,
    ogg_opus,
    png_1x1,
    ticket_for,
)
from tests.lien.conftest import App, bearer, make_settings, started
from tests.lien.console.conftest import add_member, sign_in
from tests.lien.test_statement_counts import counted

KEY = Fernet.generate_key().decode()


@pytest.fixture
async def files_app(engine: AsyncEngine, database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    settings = make_settings(database_url, attachment_dir=tmp_path / "files", message_key=KEY)
    async for app in started(settings):
        yield app


async def seeded(app: App, sessionmaker: SessionMaker, *files: bytes | str) -> Seeded:
    return await message_with_files(sessionmaker, app.runtime.attachments, files, now=utcnow())


async def views(sessionmaker: SessionMaker) -> list[AuditEvent]:
    async with sessionmaker() as session:
        found = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == VIEW_ATTACHMENT)
        )
        return list(found)


async def test_staff_of_the_association_get_the_file_with_safe_headers_and_the_view_audited(
    files_app: App, sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    photo, voice, letter = png_1x1(), ogg_opus(), sample("application/pdf", 5000)
    kept = await seeded(files_app, sessionmaker, photo, voice, letter)
    member = await add_member(sessionmaker)
    await sign_in(files_app.client, member.email or "")
    # Kept sealed: the bytes on disk are not the photo.
    on_disk = (tmp_path / "files").rglob("*")
    assert all(photo not in path.read_bytes() for path in on_disk if path.is_file())

    answers = [await files_app.client.get(f"/attachments/{i}") for i in kept.attachment_ids]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.content for a in answers] == [photo, voice, letter]
    assert [a.headers["content-type"] for a in answers] == [
        "image/png",
        "audio/ogg",
        "application/pdf",
    ]
    first, second, third = kept.attachment_ids
    assert [a.headers["content-disposition"] for a in answers] == [
        f'inline; filename="piece-jointe-{first}.png"',
        f'inline; filename="piece-jointe-{second}.ogg"',
        f'attachment; filename="piece-jointe-{third}.pdf"',
    ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "private, no-store"
    audited = await views(sessionmaker)
    assert [(e.staff_member_id, e.beneficiary_id) for e in audited] == [
        (member.id, kept.person_id)
    ] * 3
    assert sorted(e.details["attachment_id"] for e in audited) == kept.attachment_ids


async def test_another_association_and_anyone_signed_out_get_nothing(
    files_app: App, sessionmaker: SessionMaker
) -> None:
    kept = await seeded(files_app, sessionmaker, png_1x1())
    (photo,) = kept.attachment_ids
    client = files_app.client
    signed_out = await client.get(f"/attachments/{photo}", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login")
    assert (await client.get(f"/api/attachments/{photo}")).status_code == 401

    elsewhere = await message_with_files(
        sessionmaker,
        files_app.runtime.attachments,
        [png_1x1()],
        now=utcnow(),
        org_slug="autre-asso",
        phone="+33699999999",
    )
    other = await add_member(
        sessionmaker,
        email="autre@example.org",
        organisation_id=await _org_of(elsewhere, sessionmaker),
    )
    await sign_in(client, other.email or "")
    refused = await client.get(f"/attachments/{photo}")
    missing = await client.get("/attachments/999999")
    assert refused.status_code == missing.status_code == 404
    assert refused.text.replace(f"/attachments/{photo}", "") == missing.text.replace(
        "/attachments/999999", ""
    )
    assert (await client.get(f"/attachments/{elsewhere.attachment_ids[0]}")).status_code == 200
    headers = await bearer(
        sessionmaker, name="Autre", organisation_id=await _org_of(elsewhere, sessionmaker)
    )
    api = await client.get(f"/api/attachments/{photo}", headers=headers)
    assert api.status_code == 404 and api.json()["detail"] == "pièce jointe introuvable"
    assert [e.beneficiary_id for e in await views(sessionmaker)] == [elsewhere.person_id]


async def test_the_api_serves_the_file_and_a_file_not_kept_is_not_served(
    files_app: App, sessionmaker: SessionMaker
) -> None:
    kept = await seeded(files_app, sessionmaker, png_1x1(), "pending", "fichier trop grand")
    headers = await bearer(sessionmaker)
    photo, pending, failed = kept.attachment_ids
    answer = await files_app.client.get(f"/api/attachments/{photo}", headers=headers)
    assert answer.status_code == 200 and answer.content == png_1x1()
    assert answer.headers["x-content-type-options"] == "nosniff"
    for not_kept in (pending, failed):
        refused = await files_app.client.get(f"/api/attachments/{not_kept}", headers=headers)
        assert refused.status_code == 404
    await files_app.runtime.attachments.delete(f"{await _org_of(kept, sessionmaker)}/{photo}")
    gone = await files_app.client.get(f"/api/attachments/{photo}", headers=headers)
    assert gone.status_code == 404
    assert len(await views(sessionmaker)) == 1  # the refused views left no trace


async def test_the_ticket_and_the_record_show_each_file_as_what_it_is(
    files_app: App, sessionmaker: SessionMaker
) -> None:
    kept = await seeded(
        files_app,
        sessionmaker,
        png_1x1(),
        ogg_opus(),
        sample("application/pdf", 300_000),
        "pending",
        "Twilio a répondu 503",
    )
    ticket_id = await ticket_for(sessionmaker, kept, now=utcnow())
    member = await add_member(sessionmaker)
    await sign_in(files_app.client, member.email or "")
    photo, voice, letter, _pending, _failed = kept.attachment_ids
    for path in (f"/triage/{ticket_id}", f"/beneficiaries/{kept.person_id}"):
        page = html.unescape((await files_app.client.get(path)).text)
        assert f'<img class="thumbnail" src="/attachments/{photo}"' in page
        assert 'alt="Photo envoyée par la personne (1 ko)"' in page
        assert f'<audio controls preload="none" src="/attachments/{voice}"' in page
        assert f"download>piece-jointe-{letter}.pdf</a>" in page and "293 ko" in page
        assert "Fichier en cours de récupération" in page
        assert "Fichier non récupéré : Twilio a répondu 503" in page
    assert await views(sessionmaker) == []  # showing the page is not opening the files


async def test_the_files_of_the_shown_messages_are_read_in_one_query(
    files_app: App, sessionmaker: SessionMaker
) -> None:
    kept = await seeded(files_app, sessionmaker, png_1x1())
    ticket_id = await ticket_for(sessionmaker, kept, now=utcnow())
    member = await add_member(sessionmaker)
    await sign_in(files_app.client, member.email or "")
    paths = (f"/triage/{ticket_id}/exchange", f"/beneficiaries/{kept.person_id}/timeline")

    async def selects() -> list[int]:
        found = []
        for path in paths:
            with counted(files_app) as statements:
                assert (await files_app.client.get(path)).status_code == 200
            found.append(statements.count("SELECT"))
        return found

    one = await selects()
    for _ in range(4):
        await message_with_files(
            sessionmaker,
            files_app.runtime.attachments,
            [png_1x1(), ogg_opus()],
            now=utcnow(),
            person_id=kept.person_id,
        )
    page = (await files_app.client.get(paths[0])).text
    assert page.count('<li class="attachment"') == 9
    assert await selects() == one


async def test_a_file_fetched_meanwhile_refreshes_the_exchange_and_the_export_lists_it(
    files_app: App, sessionmaker: SessionMaker
) -> None:
    kept = await seeded(files_app, sessionmaker, "pending")
    ticket_id = await ticket_for(sessionmaker, kept, now=utcnow())
    member = await add_member(sessionmaker)
    await sign_in(files_app.client, member.email or "")
    first = await files_app.client.get(f"/triage/{ticket_id}/exchange")
    shown = re.search(r"\?v=([0-9a-f]+)", first.text)
    assert shown is not None and "Fichier en cours de récupération" in first.text
    again = f"/triage/{ticket_id}/exchange?v={shown.group(1)}"
    assert (await files_app.client.get(again)).status_code == 204  # nothing new yet
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Attachment)
            .where(Attachment.id == kept.attachment_ids[0])
            .values(status=FAILED, failure_reason="Twilio a répondu 404")
        )
    refreshed = html.unescape((await files_app.client.get(again)).text)
    assert "Fichier non récupéré : Twilio a répondu 404" in refreshed

    document = await files_app.client.get(f"/beneficiaries/{kept.person_id}/export?format=html")
    text = html.unescape(document.text)
    assert "Fichiers envoyés (photos, enregistrements, documents)" in text
    assert "non récupéré : Twilio a répondu 404" in text


async def _org_of(seeded: Seeded, sessionmaker: SessionMaker) -> int:
    from db.models import Beneficiary

    async with sessionmaker() as session:
        person = await session.get(Beneficiary, seeded.person_id)
        assert person is not None
        return person.organisation_id


def test_sizes_read_as_people_write_them_in_each_language() -> None:
    french, english = environment("fr").filters["file_size"], environment("en").filters["file_size"]
    assert [french(n) for n in (200, 30_000, 1_572_864, None)] == ["1 ko", "29 ko", "1,5 Mo", ""]
    assert [english(n) for n in (30_000, 1_572_864)] == ["29 KB", "1.5 MB"]
