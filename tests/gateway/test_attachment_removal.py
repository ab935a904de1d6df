"""After a fetch: Twilio's copy deleted (retried while Twilio fails), the outcome in the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.base import utcnow
from db.models import Attachment, Message
from db.session import SessionMaker
from fakeprovider import FakeProviderServer, Fault
from gateway.attachment_removal import RETRY_AFTER, remove_fetched
from tests.gateway.media import sample
from tests.gateway.test_attachment_provider import app, fetch, only, send_mms, send_telegram
from tests.lien.conftest import App, bearer

__all__ = ["app"]
PHOTO = sample("image/jpeg", 20_000)


def media_sid(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def test_the_twilio_media_is_deleted_there_after_it_is_stored(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    url = fake_provider.twilio_media(PHOTO, "image/jpeg")
    await send_mms(app, (url, "image/jpeg"))
    (task,) = [t for t in app.runtime.tasks if t.name == "attachments-fetch"]
    await app.runtime.run_task(task)
    row = await only(sessionmaker)
    assert row.status == "stored" and row.provider_removed_at is not None
    assert row.provider_removal_due_at is None
    assert fake_provider.state.media(media_sid(url)) is None
    (call,) = fake_provider.state.twilio_calls("delete_media")
    assert call.status == 204
    assert call.path.endswith(f"/Media/{media_sid(url)}.json")


async def test_a_failed_deletion_is_asked_again_later(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    url = fake_provider.twilio_media(PHOTO, "image/jpeg")
    await send_mms(app, (url, "image/jpeg"))
    now = utcnow()
    assert (await fetch(app, now)).stored == 1
    twilio = app.runtime.twilio
    assert twilio is not None
    fake_provider.state.inject("twilio", Fault.http_status(503), method="delete_media")
    first = await remove_fetched(app.runtime.sessionmaker, twilio, now=now)
    assert (first.removed, first.retried) == (0, 1)
    assert fake_provider.state.media(media_sid(url)) is not None
    assert (await only(sessionmaker)).provider_removal_due_at == now + RETRY_AFTER
    early = await remove_fetched(app.runtime.sessionmaker, twilio, now=now + timedelta(minutes=1))
    assert (early.removed, early.retried) == (0, 0)
    later = await remove_fetched(app.runtime.sessionmaker, twilio, now=now + RETRY_AFTER)
    assert later.removed == 1
    assert fake_provider.state.media(media_sid(url)) is None
    # Already gone at Twilio counts as done: a second deletion would harm nothing.
    assert (await twilio.delete_media(url)).done


async def test_a_refused_file_and_a_telegram_file_are_not_deleted_at_twilio(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    file_id = fake_provider.telegram_file(PHOTO, "image/jpeg")
    await send_telegram(app, {"document": {"file_id": file_id, "file_unique_id": "d1"}})
    assert (await fetch(app)).stored == 1
    row = await only(sessionmaker)
    assert (row.provider_removal_due_at, row.provider_removed_at) == (None, None)
    assert fake_provider.state.media(file_id) is not None


async def test_the_timeline_shows_each_file_and_why_one_was_not_kept(
    app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    pdf = sample("application/pdf", 5_000)
    kept = fake_provider.twilio_media(PHOTO, "image/jpeg")
    wrong = fake_provider.twilio_media(pdf, "image/png")
    await send_mms(app, (kept, "image/jpeg"), (wrong, "image/png"), body="Ma lettre")
    assert (await fetch(app)).stored == 1
    async with sessionmaker() as session:
        message_id = await session.scalar(select(Attachment.message_id).limit(1))
    assert message_id is not None
    headers = await bearer(sessionmaker)
    response = await app.client.get(
        f"/api/beneficiaries/{await sender_of(sessionmaker, message_id)}/messages",
        headers=headers,
    )
    assert response.status_code == 200
    (message,) = [m for m in response.json() if m["direction"] == "in"]
    photo, refused = message["attachments"]
    assert photo == {
        "id": photo["id"],
        "direction": "in",
        "kind": "image/jpeg",
        "kind_label": "une image JPEG",
        "size": len(PHOTO),
        "status": "stored",
        "status_label": "conservé",
        "failure_reason": None,
        "file_name": None,
    }
    assert (refused["status"], refused["status_label"]) == ("failed", "non conservé")
    assert refused["failure_reason"] == (
        "le contenu (un document PDF) ne correspond pas au type annoncé (image/png)"
    )


async def sender_of(sessionmaker: SessionMaker, message_id: int) -> int:
    async with sessionmaker() as session:
        found = await session.scalar(select(Message.beneficiary_id).where(Message.id == message_id))
        assert found is not None
        return found
