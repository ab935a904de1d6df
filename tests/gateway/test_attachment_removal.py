"""Twilio's copy of an MMS file is deleted once Lien keeps its own, retried while Twilio fails."""

from __future__ import annotations

from datetime import timedelta

from db.base import utcnow
from db.session import SessionMaker
from fakeprovider import FakeProviderServer, Fault
from gateway.attachment_removal import RETRY_AFTER, remove_fetched
from tests.gateway.media import sample
from tests.gateway.test_attachment_provider import app, fetch, only, send_mms, send_telegram
from tests.lien.conftest import App

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
