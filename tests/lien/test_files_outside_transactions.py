"""A file staff upload is checked, hashed and stored while the request holds no connection.

A connection out of the app's pool is one a session holds in a transaction: each test counts
them at the moment the file reaches the store (or the simulator's folder).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.session import SessionMaker
from gateway.channels.base import MediaRef
from gateway.channels.simulator import SimulatorChannel
from gateway.media_store import Store
from tests.gateway.media import sample
from tests.gateway.test_attachment_provider import files_under
from tests.lien.conftest import App, bearer, make_settings, started
from tests.lien.console.conftest import csrf_of, signed_in_as
from tests.lien.test_api_tickets import seed

PDF = sample("application/pdf", 8_000)


class Connections:
    """How many connections of an engine's pool are out right now."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.out = 0
        event.listen(engine.sync_engine, "checkout", self._checkout)
        event.listen(engine.sync_engine, "checkin", self._checkin)

    def _checkout(self, *_: Any) -> None:
        self.out += 1

    def _checkin(self, *_: Any) -> None:
        self.out -= 1


class WatchedStore:
    """The app's store, noting how many connections were out as each file went in."""

    def __init__(self, inner: Store, connections: Connections) -> None:
        self.inner = inner
        self.connections = connections
        self.seen: list[int] = []

    async def put(self, key: str, pieces: AsyncIterable[bytes]) -> None:
        self.seen.append(self.connections.out)
        await self.inner.put(key, pieces)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
async def app(engine: AsyncEngine, database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    settings = make_settings(database_url, attachment_dir=tmp_path, data_dir=tmp_path)
    async for started_app in started(settings):
        yield started_app


def watch(app: App) -> WatchedStore:
    watched = WatchedStore(app.runtime.attachments, Connections(app.runtime.engine))
    app.runtime.attachments = watched
    return watched


async def test_a_reply_file_sent_through_the_api_is_stored_with_no_transaction_open(
    app: App, sessionmaker: SessionMaker
) -> None:
    ticket_id = await seed(sessionmaker, phone="+33600000031")
    headers = await bearer(app.runtime.sessionmaker)
    watched = watch(app)
    sent = await app.client.post(
        f"/api/tickets/{ticket_id}/replies/file",
        data={"text": "Votre attestation"},
        files={"file": ("attestation.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    assert sent.status_code == 201, sent.text
    assert watched.seen == [0]


async def test_a_refused_api_file_is_still_refused_in_french_and_not_kept(
    app: App, sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    ticket_id = await seed(sessionmaker, phone="+33600000032")
    headers = await bearer(app.runtime.sessionmaker)
    watched = watch(app)
    refused = await app.client.post(
        f"/api/tickets/{ticket_id}/replies/file",
        files={"file": ("note.pdf", b"not a PDF at all" * 8, "application/pdf")},
        headers=headers,
    )
    assert refused.status_code == 422
    assert "seuls une image (JPEG ou PNG) ou un document PDF" in refused.text
    assert watched.seen == [0] and files_under(tmp_path / "1") == []


async def test_a_reply_file_from_the_console_form_is_stored_with_no_transaction_open(
    app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(app, sessionmaker, "staff")
    ticket_id = await seed(sessionmaker, phone="+33600000033")
    page = await app.client.get(f"/triage/{ticket_id}")
    watched = watch(app)
    sent = await app.client.post(
        f"/triage/{ticket_id}/reply",
        data={"text": "Votre attestation", "csrf_token": csrf_of(page.text)},
        files={"file": ("attestation.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 303, sent.text
    assert watched.seen == [0]


async def test_a_file_sent_through_the_simulator_page_is_held_with_no_transaction_open(
    app: App, sessionmaker: SessionMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signed_in_as(app, sessionmaker, "staff")
    connections = Connections(app.runtime.engine)
    channel = app.runtime.channels["simulator"]
    assert isinstance(channel, SimulatorChannel)
    seen: list[int] = []
    hold = channel.hold

    async def watched_hold(data: bytes, declared: str | None) -> MediaRef:
        seen.append(connections.out)
        return await hold(data, declared)

    monkeypatch.setattr(channel, "hold", watched_hold)
    page = await app.client.get("/simulator")
    sent = await app.client.post(
        "/simulator",
        data={"sender": "+33612000031", "text": "", "csrf_token": csrf_of(page.text)},
        files={"file": ("courrier.png", sample("image/png", 20_000), "image/png")},
    )
    assert sent.status_code == 303, sent.text
    assert seen == [0]
