"""A file attached to a reply from the ticket's form: said to go as a link by SMS, checked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Attachment, Message, TriageTicket
from db.session import SessionMaker
from gateway.consent import OPT_OUT, record_consent
from tests.gateway.media import sample
from tests.gateway.test_attachment_provider import files_under
from tests.lien.conftest import App, make_settings, started
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as
from tests.lien.test_api_tickets import seed

PDF = sample("application/pdf", 8_000)


@pytest.fixture
async def app(engine: AsyncEngine, database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for started_app in started(make_settings(database_url, attachment_dir=tmp_path)):
        yield started_app


async def test_a_pdf_attached_in_the_console_goes_as_a_link_where_no_file_can_go(
    app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(app, sessionmaker, "staff")
    ticket_id = await seed(sessionmaker, phone="+33600000021")
    page = await app.client.get(f"/triage/{ticket_id}")
    assert 'enctype="multipart/form-data"' in page.text
    # https://lien.example.org/f/ and the token, after a line break.
    assert "valable 7 jours, et non le fichier : ce lien ajoute 57 caractères" in page.text
    sent = await app.client.post(
        f"/triage/{ticket_id}/reply",
        data={"text": "Votre attestation", "csrf_token": csrf_of(page.text)},
        files={"file": ("attestation.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 303, sent.text
    async with sessionmaker() as session:
        reply = await session.scalar(select(Message).where(Message.direction == "out"))
        attachment = await session.scalar(select(Attachment))
    assert reply is not None and attachment is not None
    assert attachment.message_id == reply.id and attachment.direction == "out"
    assert reply.channel == "simulator"  # like an SMS, it carries the link
    assert reply.body is not None and reply.body.startswith("Votre attestation\n")
    assert "https://lien.example.org/f/" in reply.body


async def test_a_file_that_is_no_image_or_pdf_is_refused_next_to_the_field(
    app: App, sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    await signed_in_as(app, sessionmaker, "staff")
    ticket_id = await seed(sessionmaker, phone="+33600000022")
    page = await app.client.get(f"/triage/{ticket_id}")
    refused = await app.client.post(
        f"/triage/{ticket_id}/reply",
        data={"text": "Tenez", "csrf_token": csrf_of(page.text)},
        files={"file": ("note.pdf", b"just some text, not a PDF" * 4, "application/pdf")},
    )
    assert refused.status_code == 422
    assert error_of(refused.text, "file") == (
        "Seuls une image (JPEG ou PNG) ou un document PDF peuvent être envoyés."
    )
    assert files_under(tmp_path) == []
    async with sessionmaker() as session:
        assert await session.scalar(select(Message).where(Message.direction == "out")) is None


async def test_a_file_for_a_person_who_said_stop_is_not_kept(
    app: App, sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    await signed_in_as(app, sessionmaker, "staff")
    ticket_id = await seed(sessionmaker, phone="+33600000023")
    async with sessionmaker() as session, session.begin():
        ticket = await session.get_one(TriageTicket, ticket_id)
        await record_consent(
            session, beneficiary_id=ticket.beneficiary_id, kind=OPT_OUT, source="keyword"
        )
    page = await app.client.get(f"/triage/{ticket_id}")
    refused = await app.client.post(
        f"/triage/{ticket_id}/reply",
        data={"text": "Tenez", "csrf_token": csrf_of(page.text)},
        files={"file": ("attestation.pdf", PDF, "application/pdf")},
    )
    assert refused.status_code == 422
    assert files_under(tmp_path) == []
