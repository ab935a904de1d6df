"""A file sent on Telegram to someone who blocked the bot reaches them by SMS, as a link.

Through the dispatcher, the real PTB and twilio clients and the fake provider.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.models import Attachment, Message
from fakeprovider import FakeProviderServer, Fault
from gateway.exchange import Origin
from gateway.outbound_files import receive_file
from gateway.outbox import OutgoingMessage, queue_message
from tests.factories import create_person
from tests.gateway.media import sample
from tests.lien.conftest import App, provider_settings, started

PDF = sample("application/pdf", 20_000)
PHONE = "+33612345678"
LINK = re.compile(r"https://lien\.example\.org(/f/[0-9a-z]+\.[0-9a-z]+\.[\w-]+)")


@pytest.fixture
async def app(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer, tmp_path: Path
) -> AsyncIterator[App]:
    settings = provider_settings(
        database_url,
        fake_provider,
        attachment_dir=tmp_path,
        message_key=Fernet.generate_key().decode(),
    )
    async for started_app in started(settings):
        yield started_app


async def pieces(content: bytes) -> AsyncIterable[bytes]:
    yield content


async def queue_file_on_telegram(app: App, *, fallback: str | None) -> int:
    """Queue a PDF for someone reachable on Telegram and by SMS, as staff send one."""
    async with app.runtime.sessionmaker() as session, session.begin():
        person = await create_person(session, phone=PHONE, telegram="4242")
        file = await receive_file(
            app.runtime.attachments,
            pieces(PDF),
            organisation_id=person.organisation_id,
            file_name="attestation.pdf",
            max_bytes=100_000,
        )
        message_id = await queue_message(
            session,
            OutgoingMessage(
                beneficiary_id=person.id,
                text="Votre attestation :",
                origin=Origin("staff"),
                channel="telegram",
                fallback_channel=fallback,
                attachment=file,
            ),
            links=app.runtime.settings.file_links(),
            now=utcnow(),
        )
    assert message_id is not None
    return message_id


async def test_the_sms_sent_instead_of_a_blocked_telegram_file_carries_its_link(
    app: App, fake_provider: FakeProviderServer
) -> None:
    telegram_id = await queue_file_on_telegram(app, fallback="sms")
    fake_provider.state.inject("telegram", Fault.telegram_blocked(), method="sendDocument")

    await app.runtime.dispatcher.run_once()  # Telegram refuses: the SMS is queued
    await app.runtime.dispatcher.run_once()  # and sent

    (sms,) = [m for m in fake_provider.state.twilio_messages() if m["to"] == PHONE]
    body = str(sms["body"])
    found = LINK.search(body)
    assert found is not None and body == f"Votre attestation :\n{found.group()}"
    served = await app.client.get(found.group(1))
    assert served.status_code == 200 and served.content == PDF
    async with app.runtime.sessionmaker() as session:
        rows = (await session.execute(select(Attachment.message_id, Attachment.storage_key))).all()
        channels = dict((await session.execute(select(Message.id, Message.channel))).all())
    # Each message names the one stored file: the store holds it once.
    assert sorted(channels[row.message_id] for row in rows) == ["sms", "telegram"]
    assert len({row.storage_key for row in rows}) == 1
    assert channels[telegram_id] == "telegram"


async def test_without_a_fallback_a_blocked_telegram_file_goes_nowhere_else(
    app: App, fake_provider: FakeProviderServer
) -> None:
    await queue_file_on_telegram(app, fallback=None)
    fake_provider.state.inject("telegram", Fault.telegram_blocked(), method="sendDocument")
    await app.runtime.dispatcher.run_once()
    await app.runtime.dispatcher.run_once()
    (refused,) = fake_provider.state.telegram_calls("sendDocument")
    assert refused.status == 403
    assert [m for m in fake_provider.state.twilio_messages() if m["to"] == PHONE] == []
