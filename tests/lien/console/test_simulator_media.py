"""A photo sent through the simulator takes the path of an MMS: held, fetched, typed, kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Attachment
from db.session import SessionMaker
from lien.attachment_jobs import wire_attachments
from tests.gateway.media import sample
from tests.lien.conftest import App, make_settings, started
from tests.lien.console.conftest import csrf_of, signed_in_as

PNG = sample("image/png", 20_000)


@pytest.fixture
async def lien_app(engine: AsyncEngine, database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    settings = make_settings(database_url, data_dir=tmp_path, attachment_max_bytes=100_000)
    async for app in started(settings, wiring=wire_attachments):
        yield app


async def send(app: App, *, text: str, file: tuple[str, bytes, str]) -> int:
    page = await app.client.get("/simulator")
    sent = await app.client.post(
        "/simulator",
        data={"sender": "+33612000021", "text": text, "csrf_token": csrf_of(page.text)},
        files={"file": file},
    )
    return sent.status_code


async def fetch(app: App) -> None:
    task = next(t for t in app.runtime.tasks if t.name == "attachments-fetch")
    await task.run()


async def test_a_photo_alone_is_held_then_fetched_and_shown_as_received(
    lien_app: App, sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    assert await send(lien_app, text="", file=("courrier.png", PNG, "image/png")) == 303
    async with sessionmaker() as session:
        held = (await session.scalars(select(Attachment))).one()
    assert held.status == "pending" and held.provider_ref.startswith("simulator:")
    thread = await lien_app.client.get("/simulator/thread")
    assert "Fichier en cours de récupération" in thread.text

    await fetch(lien_app)
    async with sessionmaker() as session:
        kept = (await session.scalars(select(Attachment))).one()
    assert (kept.status, kept.detected_type, kept.size) == ("stored", "image/png", len(PNG))
    assert kept.storage_key is not None
    thread = await lien_app.client.get("/simulator/thread")
    assert f'<img class="thumbnail" src="/attachments/{kept.id}"' in thread.text
    shown = await lien_app.client.get(f"/attachments/{kept.id}")
    assert shown.content == PNG and shown.headers["content-type"] == "image/png"


async def test_a_file_that_is_not_what_it_says_fails_with_its_reason(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    fake = sample("application/pdf", 5_000)
    assert await send(lien_app, text="Ma lettre", file=("photo.png", fake, "image/png")) == 303
    await fetch(lien_app)
    async with sessionmaker() as session:
        failed = (await session.scalars(select(Attachment))).one()
    assert failed.status == "failed" and failed.failure_reason
    thread = await lien_app.client.get("/simulator/thread")
    assert "Fichier non récupéré" in thread.text


async def test_a_file_over_the_limit_is_refused_on_the_form(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    big = sample("image/png", 150_000)
    assert await send(lien_app, text="", file=("grand.png", big, "image/png")) == 422
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Attachment))) == []
