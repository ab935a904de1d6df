"""Files staff attach to a reply: a photo on Telegram, a link to a PDF in an SMS.

Through the API's multipart route, the real PTB and twilio clients and the fake provider.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.models import Attachment, Message
from db.session import SessionMaker
from fakeprovider import FakeProviderServer, Fault
from gateway.encoding import analyze_sms
from tests.gateway.media import sample
from tests.gateway.test_attachment_provider import files_under
from tests.lien.conftest import App, bearer, provider_settings, started
from tests.lien.people import SmsPerson, TelegramPerson

PHOTO = sample("image/jpeg", 30_000)
PDF = sample("application/pdf", 20_000)
LINK = re.compile(r"https://lien\.example\.org/f/[0-9a-z]+\.[0-9a-z]+\.[\w-]+")


@pytest.fixture
async def app(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer, tmp_path: Path
) -> AsyncIterator[App]:
    settings = provider_settings(
        database_url,
        fake_provider,
        attachment_dir=tmp_path,
        attachment_max_bytes=100_000,
        message_key=Fernet.generate_key().decode(),
    )
    async for started_app in started(settings):
        yield started_app


async def telegram_ticket(app: App, provider: FakeProviderServer) -> tuple[TelegramPerson, int]:
    person = TelegramPerson(app, provider, language_code="fr")
    await person.say("/start")
    await person.say("Sara")
    await person.say("agent")
    return person, await only_ticket(app)


async def sms_ticket(app: App, provider: FakeProviderServer) -> tuple[SmsPerson, int]:
    person = SmsPerson(app, provider)
    await person.say("Bonjour")
    await person.say("AGENT")
    return person, await only_ticket(app)


async def only_ticket(app: App) -> int:
    headers = await bearer(app.runtime.sessionmaker, name="Lecture")
    (ticket,) = (await app.client.get("/api/tickets", headers=headers)).json()
    return int(ticket["id"])


async def reply_with(
    app: App, ticket_id: int, name: str, content: bytes, kind: str, text: str
) -> dict[str, object]:
    headers = await bearer(app.runtime.sessionmaker)
    response = await app.client.post(
        f"/api/tickets/{ticket_id}/replies/file",
        data={"text": text},
        files={"file": (name, content, kind)},
        headers=headers,
    )
    assert response.status_code in (201, 422), response.text
    body: dict[str, object] = response.json()
    return body | {"status_code": response.status_code}


async def test_a_photo_on_telegram_arrives_as_a_photo_with_its_caption(
    app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    _person, ticket_id = await telegram_ticket(app, fake_provider)
    queued = await reply_with(app, ticket_id, "plan.jpg", PHOTO, "image/jpeg", "Voici le plan")
    assert (queued["status_code"], queued["channel"]) == (201, "telegram")

    await app.runtime.dispatcher.run_once()

    (call,) = fake_provider.state.telegram_calls("sendPhoto")
    assert call.status == 200 and call.params["caption"] == "Voici le plan"
    assert call.params["photo"]["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert fake_provider.state.telegram_calls("sendDocument") == []
    (sent,) = [m for m in fake_provider.state.telegram_messages() if "photo" in m]
    assert sent["caption"] == "Voici le plan"
    async with sessionmaker() as session:
        (row,) = (await session.scalars(select(Attachment))).all()
    assert (row.direction, row.detected_type, row.file_name) == ("out", "image/jpeg", "plan.jpg")
    # Kept sealed like the files people send.
    assert PHOTO[:64] not in (tmp_path / (row.storage_key or "")).read_bytes()
    headers = await bearer(sessionmaker)
    detail = (await app.client.get(f"/api/tickets/{ticket_id}", headers=headers)).json()
    (shown,) = [a for m in detail["conversation"] for a in m["attachments"]]
    assert (shown["direction"], shown["kind_label"], shown["file_name"]) == (
        "out",
        "une image JPEG",
        "plan.jpg",
    )


async def test_a_pdf_on_telegram_is_sent_as_a_document(
    app: App, fake_provider: FakeProviderServer
) -> None:
    _person, ticket_id = await telegram_ticket(app, fake_provider)
    await reply_with(app, ticket_id, "attestation.pdf", PDF, "application/pdf", "")
    await app.runtime.dispatcher.run_once()
    (call,) = fake_provider.state.telegram_calls("sendDocument")
    assert call.params["document"]["filename"] == "attestation.pdf"
    assert call.params["document"]["size"] == len(PDF)
    assert "caption" not in call.params


async def test_a_pdf_by_sms_is_a_link_that_serves_it_until_it_expires(
    app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    person, ticket_id = await sms_ticket(app, fake_provider)
    await person.inbox()
    text = "Votre attestation :"
    queued = await reply_with(app, ticket_id, "attestation été.pdf", PDF, "application/pdf", text)
    assert queued["channel"] == "sms"

    (received,) = await person.inbox()

    assert received.startswith(text + "\n")
    found = LINK.search(received)
    assert found is not None and received == f"{text}\n{found.group()}"
    (sms,) = [m for m in fake_provider.state.twilio_messages() if m["body"] == received]
    # The link counts in the segments Lien shows, as the provider counts them.
    assert int(sms["num_segments"]) == analyze_sms(received).segments
    path = found.group().removeprefix("https://lien.example.org")
    served = await app.client.get(path)
    assert served.status_code == 200 and served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''attestation%20%C3%A9t%C3%A9.pdf"
    )
    with time_machine.travel(utcnow() + timedelta(days=7, seconds=1), tick=False):
        expired = await app.client.get(path)
    assert expired.status_code == 410
    assert "ce lien a expiré" in expired.text and PDF[:8] not in expired.content
    tampered = await app.client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    assert tampered.status_code == 404 and "aucun fichier" in tampered.text


async def test_a_person_s_own_file_is_never_served_by_a_link(
    app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    person, ticket_id = await sms_ticket(app, fake_provider)
    await reply_with(app, ticket_id, "a.pdf", PDF, "application/pdf", "Voici")
    (received,) = [r for r in await person.inbox() if "/f/" in r]
    async with sessionmaker() as session, session.begin():
        row = (await session.scalars(select(Attachment))).one()
        row.direction = "in"
    found = LINK.search(received)
    assert found is not None
    answer = await app.client.get(found.group().removeprefix("https://lien.example.org"))
    assert answer.status_code == 404


async def test_a_link_to_a_file_gone_from_the_store_is_a_page_not_a_broken_download(
    app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    person, ticket_id = await sms_ticket(app, fake_provider)
    await reply_with(app, ticket_id, "a.pdf", PDF, "application/pdf", "Voici")
    (received,) = [r for r in await person.inbox() if "/f/" in r]
    async with sessionmaker() as session:
        key = (await session.scalars(select(Attachment.storage_key))).one()
    assert key is not None
    await app.runtime.attachments.delete(key)
    found = LINK.search(received)
    assert found is not None
    answer = await app.client.get(found.group().removeprefix("https://lien.example.org"))
    assert answer.status_code == 404 and "aucun fichier" in answer.text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"MZ\x90\x00 not a picture at all" * 10, "seuls une image (JPEG ou PNG) ou un document"),
        (sample("audio/ogg", 5_000), "seuls une image (JPEG ou PNG) ou un document"),
        (sample("image/png", 100_001), "fichier trop grand"),
        (b"", "le fichier est vide"),
    ],
)
async def test_a_file_that_is_not_an_image_or_a_pdf_is_refused_in_french(
    app: App, fake_provider: FakeProviderServer, content: bytes, reason: str, tmp_path: Path
) -> None:
    _person, ticket_id = await telegram_ticket(app, fake_provider)
    refused = await reply_with(app, ticket_id, "photo.jpg", content, "image/jpeg", "Tenez")
    assert refused["status_code"] == 422
    assert reason in str(refused["detail"])
    assert files_under(tmp_path) == []
    await app.runtime.dispatcher.run_once()
    assert fake_provider.state.telegram_calls("sendPhoto") == []


async def test_a_queued_file_is_sent_by_the_next_process_after_a_crash(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer, tmp_path: Path
) -> None:
    settings = provider_settings(database_url, fake_provider, attachment_dir=tmp_path)
    async for first in started(settings):
        _person, ticket_id = await telegram_ticket(first, fake_provider)
        await reply_with(first, ticket_id, "plan.png", sample("image/png", 9_000), "image/png", "")
    # The process that queued it is gone before any send: the next one finds the file.
    async for second in started(settings):
        await second.runtime.dispatcher.run_once()
    (call,) = fake_provider.state.telegram_calls("sendPhoto")
    assert call.params["photo"]["size"] == 9_000 and "caption" not in call.params


async def test_a_text_too_long_for_a_caption_goes_first_in_a_message_of_its_own(
    app: App, fake_provider: FakeProviderServer
) -> None:
    person, ticket_id = await telegram_ticket(app, fake_provider)
    await person.inbox()
    long_text = "Bonjour. " * 130
    await reply_with(app, ticket_id, "plan.jpg", PHOTO, "image/jpeg", long_text)
    (received,) = await person.inbox()
    assert received.text == long_text.strip()
    (call,) = fake_provider.state.telegram_calls("sendPhoto")
    assert "caption" not in call.params


async def test_a_file_for_a_reply_that_cannot_be_queued_is_not_kept(
    app: App, fake_provider: FakeProviderServer, tmp_path: Path
) -> None:
    headers = await bearer(app.runtime.sessionmaker)
    missing = await app.client.post(
        "/api/tickets/999999/replies/file",
        files={"file": ("plan.jpg", PHOTO, "image/jpeg")},
        headers=headers,
    )
    assert missing.status_code == 404
    assert files_under(tmp_path) == []


async def test_an_image_telegram_refuses_as_a_photo_goes_as_a_document(
    app: App, fake_provider: FakeProviderServer
) -> None:
    _person, ticket_id = await telegram_ticket(app, fake_provider)
    fake_provider.state.inject(
        "telegram",
        Fault.http_status(400, description="Bad Request: PHOTO_INVALID_DIMENSIONS"),
        method="sendPhoto",
    )
    await reply_with(app, ticket_id, "plan.jpg", PHOTO, "image/jpeg", "Le plan")
    await app.runtime.dispatcher.run_once()
    (photo,) = fake_provider.state.telegram_calls("sendPhoto")
    (document,) = fake_provider.state.telegram_calls("sendDocument")
    assert photo.status == 400 and document.status == 200
    assert document.params["caption"] == "Le plan"


async def test_a_file_gone_from_the_store_fails_the_message_with_its_reason(
    app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    _person, ticket_id = await telegram_ticket(app, fake_provider)
    queued = await reply_with(app, ticket_id, "plan.jpg", PHOTO, "image/jpeg", "Le plan")
    for path in files_under(tmp_path):
        path.unlink()
    await app.runtime.dispatcher.run_once()
    async with app.runtime.sessionmaker() as session:  # the app's, which holds the key
        message = await session.get_one(Message, queued["id"])
    assert (message.status, message.error_reason) == ("failed", "fichier joint introuvable")
    assert fake_provider.state.telegram_calls("sendPhoto") == []
