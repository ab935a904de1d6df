"""Files sent by MMS or to the bot, fetched through the real twilio and PTB clients.

The webhook is signed (Twilio) or carries the secret (Telegram) and goes through the inbound
queue as in production; the fake provider serves the files and fails on demand.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.request_validator import RequestValidator

from db.base import utcnow
from db.models import Attachment, Message
from db.session import SessionMaker
from fakeprovider import DEFAULT_TWILIO_TOKEN, FakeProviderServer, Fault
from gateway.attachment_fetch import BACKOFF, LEASE, FetchPass, claim_due, fetch_due
from gateway.media_store import open_store
from lien.attachment_jobs import media_sources, wire_attachments
from tests.gateway.media import sample
from tests.lien.conftest import PUBLIC_URL, TELEGRAM_SECRET, App, provider_settings, started

MAX_BYTES = 1024 * 1024
KEY = Fernet.generate_key().decode()
PHOTO = sample("image/jpeg", 300_000)
PDF = sample("application/pdf", 120_000)
VOICE = sample("audio/ogg", 40_000)


@pytest.fixture
async def app(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer, tmp_path: Path
) -> AsyncIterator[App]:
    settings = provider_settings(
        database_url,
        fake_provider,
        attachment_dir=tmp_path,
        attachment_max_bytes=MAX_BYTES,
        message_key=KEY,
    )
    async for started_app in started(settings, wiring=wire_attachments):
        yield started_app


async def send_mms(app: App, *media: tuple[str, str], body: str = "") -> None:
    params = {
        "MessageSid": "MM" + "b" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+33612345678",
        "To": "+33700000000",
        "Body": body,
        "NumMedia": str(len(media)),
    }
    for n, (url, kind) in enumerate(media):
        params[f"MediaUrl{n}"], params[f"MediaContentType{n}"] = url, kind
    url = f"{PUBLIC_URL}/webhooks/twilio"
    signature = RequestValidator(DEFAULT_TWILIO_TOKEN).compute_signature(url, params)
    response = await app.client.post(
        "/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


async def send_telegram(app: App, content: dict[str, Any]) -> None:
    chat = {"id": 4242, "type": "private", "first_name": "Amanuel"}
    message = {"message_id": 7, "date": 1_790_000_000, "chat": chat, **content}
    response = await app.client.post(
        "/webhooks/telegram",
        json={"update_id": 3000, "message": message},
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    assert response.status_code == 200


async def fetch(app: App, now: datetime | None = None) -> FetchPass:
    """One pass of the fetcher, as its periodic task runs it, at `now`."""
    settings = app.runtime.settings
    return await fetch_due(
        app.runtime.sessionmaker,
        sources=media_sources(app.runtime),
        store=open_store(settings.attachment_folder, settings.message_keys()),
        now=now or utcnow(),
        max_bytes=settings.attachment_max_bytes,
    )


async def only(sessionmaker: SessionMaker) -> Attachment:
    async with sessionmaker() as session:
        (row,) = (await session.scalars(select(Attachment))).all()
        return row


async def kept(app: App, row: Attachment) -> bytes:
    settings = app.runtime.settings
    store = open_store(settings.attachment_folder, settings.message_keys())
    assert row.storage_key is not None
    return b"".join([piece async for piece in store.get(row.storage_key)])


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


async def test_an_mms_photo_is_fetched_in_the_background_and_kept_sealed(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer, tmp_path: Path
) -> None:
    await send_mms(app, (fake_provider.twilio_media(PHOTO, "image/jpeg"), "image/jpeg"))
    assert fake_provider.state.twilio_calls("media") == []  # not while Twilio waited
    (task,) = [t for t in app.runtime.tasks if t.name == "attachments-fetch"]
    await app.runtime.run_task(task)
    row = await only(sessionmaker)
    assert (row.status, row.detected_type, row.size) == ("stored", "image/jpeg", len(PHOTO))
    assert row.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert await kept(app, row) == PHOTO
    on_disk = (tmp_path / (row.storage_key or "")).read_bytes()
    assert PHOTO[:64] not in on_disk
    (call,) = fake_provider.state.twilio_calls("media")
    assert call.status == 200


async def test_a_pdf_sent_to_the_bot_is_fetched_through_get_file(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    file_id = fake_provider.telegram_file(PDF, "application/pdf")
    document = {"file_id": file_id, "file_unique_id": "d1", "mime_type": "application/pdf"}
    await send_telegram(app, {"document": document, "caption": "Mon récépissé"})
    assert (await fetch(app)).stored == 1
    row = await only(sessionmaker)
    assert (row.status, row.detected_type) == ("stored", "application/pdf")
    assert await kept(app, row) == PDF
    assert [c.params["file_id"] for c in fake_provider.state.telegram_calls("getFile")] == [file_id]
    async with app.runtime.sessionmaker() as session:  # the app's, which holds the key
        message = await session.get_one(Message, row.message_id)
        assert message.body == "Mon récépissé"


async def test_a_voice_note_is_kept(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    file_id = fake_provider.telegram_file(VOICE, "audio/ogg")
    voice = {"file_id": file_id, "file_unique_id": "v1", "duration": 3, "mime_type": "audio/ogg"}
    await send_telegram(app, {"voice": voice})
    assert (await fetch(app)).stored == 1
    row = await only(sessionmaker)
    assert (row.detected_type, await kept(app, row)) == ("audio/ogg", VOICE)


@pytest.mark.parametrize("channel", ["sms", "telegram"])
async def test_an_oversized_file_is_not_kept_and_says_why(
    app: App,
    sessionmaker: SessionMaker,
    fake_provider: FakeProviderServer,
    tmp_path: Path,
    channel: str,
) -> None:
    big = sample("image/jpeg", MAX_BYTES + 1)
    if channel == "sms":
        await send_mms(app, (fake_provider.twilio_media(big, "image/jpeg"), "image/jpeg"))
    else:
        file_id = fake_provider.telegram_file(big, "image/jpeg")
        document = {"file_id": file_id, "file_unique_id": "b1", "mime_type": "image/jpeg"}
        await send_telegram(app, {"document": document})
    assert (await fetch(app)).failed == 1
    row = await only(sessionmaker)
    assert (row.status, row.failure_reason) == ("failed", "fichier trop grand (plus de 1 Mo)")
    assert (row.storage_key, row.sha256) == (None, None)
    assert files_under(tmp_path) == []
    # Telegram says the size first: the file itself is never asked for.
    assert fake_provider.state.telegram_calls("file") == []


async def test_a_file_that_is_not_what_it_claims_is_refused(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer, tmp_path: Path
) -> None:
    await send_mms(app, (fake_provider.twilio_media(PDF, "image/jpeg"), "image/jpeg"))
    assert (await fetch(app)).failed == 1
    row = await only(sessionmaker)
    assert row.status == "failed" and row.detected_type == "application/pdf"
    assert row.failure_reason == (
        "le contenu (un document PDF) ne correspond pas au type annoncé (image/jpeg)"
    )
    assert files_under(tmp_path) == []
    # Refused for what it is: asking again cannot help.
    assert (await fetch(app, utcnow() + timedelta(days=1))).claimed == 0


@pytest.mark.parametrize("channel", ["sms", "telegram"])
async def test_a_fetch_failing_twice_then_succeeding_keeps_the_file(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer, channel: str
) -> None:
    if channel == "sms":
        fake_provider.state.inject("twilio", Fault.http_status(503), method="media", times=2)
        await send_mms(app, (fake_provider.twilio_media(PHOTO, "image/jpeg"), "image/jpeg"))
    else:
        fake_provider.state.inject("telegram", Fault.http_status(502), method="getFile")
        fake_provider.state.inject("telegram", Fault.drop(), method="file")
        photo = {"file_id": fake_provider.telegram_file(PHOTO, "image/jpeg")}
        size = {"file_unique_id": "p1", "width": 800, "height": 600} | photo
        await send_telegram(app, {"photo": [size]})
    now = utcnow()
    assert (await fetch(app, now)).retried == 1
    first = await only(sessionmaker)
    assert first.status == "pending" and first.failure_reason
    assert (await fetch(app, now + BACKOFF[0])).retried == 1
    assert (await fetch(app, now + BACKOFF[0] + BACKOFF[1])).stored == 1
    row = await only(sessionmaker)
    assert (row.status, row.attempts, row.failure_reason) == ("stored", 3, None)
    assert await kept(app, row) == PHOTO


async def test_a_process_dying_before_or_during_a_fetch_loses_nothing(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer, tmp_path: Path
) -> None:
    await send_mms(app, (fake_provider.twilio_media(PDF, "application/pdf"), "application/pdf"))
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        # A process claims the file, then dies before writing what came of it.
        (claimed,) = await claim_due(session, channels=["sms"], now=now, limit=8)
    assert (await fetch(app, now + LEASE / 2)).claimed == 0
    assert (await fetch(app, now + LEASE)).stored == 1
    row = await only(sessionmaker)
    assert (row.id, row.attempts, await kept(app, row)) == (claimed.id, 2, PDF)


async def test_twilio_credentials_go_to_twilio_only(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    await send_mms(app, ("https://elsewhere.example/photo.jpg", "image/jpeg"))
    assert (await fetch(app)).failed == 1
    row = await only(sessionmaker)
    assert row.failure_reason == "adresse de média hors de Twilio"
