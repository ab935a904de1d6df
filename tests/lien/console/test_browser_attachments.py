"""In Chromium: staff open a ticket whose message carries a photo and a voice note, see the
photo and play the voice note, both served from the sealed store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.async_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.models import AuditEvent
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from gateway.audit import VIEW_ATTACHMENT
from tests.gateway.media import sample
from tests.lien.attachment_seed import message_with_files, ogg_opus, png_1x1, ticket_for
from tests.lien.conftest import provider_settings
from tests.lien.console.browsing import shoot, sign_in_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer

pytestmark = pytest.mark.browser
PLAY = """audio => audio.play().then(
    () => "played", problem => `${problem.name}: ${problem.message}`)"""


async def views_of(sessionmaker: SessionMaker) -> set[int]:
    async with sessionmaker() as session:
        found = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == VIEW_ATTACHMENT)
        )
        return {int(event.details["attachment_id"]) for event in found}


@pytest.fixture
async def files_server(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer, tmp_path: Path
) -> AsyncIterator[LiveServer]:
    key = Fernet.generate_key().decode()
    server = LiveServer(
        lambda url: provider_settings(
            database_url,
            fake_provider,
            public_url=url,
            attachment_dir=tmp_path / "files",
            message_key=key,
        )
    )
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def test_staff_see_the_photo_and_play_the_voice_note_of_a_ticket(
    files_server: LiveServer, desktop: Page, sessionmaker: SessionMaker
) -> None:
    page = desktop
    kept = await message_with_files(
        sessionmaker,
        files_server.runtime.attachments,
        [png_1x1(), ogg_opus(2.0), sample("application/pdf", 40_000), "Twilio a répondu 503"],
        now=utcnow(),
    )
    ticket_id = await ticket_for(sessionmaker, kept, now=utcnow())
    await add_member(sessionmaker, role="staff", name="Claire")
    await sign_in_page(page, files_server, "staff@example.org")
    await page.goto(f"{files_server.url}/triage/{ticket_id}")

    photo = page.get_by_role("img", name="Photo envoyée par la personne")
    await expect(photo).to_be_visible()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await photo.element_handle()
    )
    assert await photo.evaluate("img => img.naturalWidth") == 1
    # Width-limited: a large photo never pushes the exchange wider than its column.
    assert await photo.evaluate("img => getComputedStyle(img).maxWidth") != "none"

    photo_id, voice_id, letter_id, _failed = kept.attachment_ids
    voice = page.locator(f'audio[src="/attachments/{voice_id}"]')
    await expect(voice).to_have_attribute("controls", "")
    # The note is fetched, and its view audited, only once someone plays it.
    assert await views_of(sessionmaker) == {photo_id}
    assert await voice.evaluate(PLAY) == "played"
    assert await views_of(sessionmaker) == {photo_id, voice_id}
    duration = await voice.evaluate("audio => audio.duration")
    assert 1.5 < duration < 2.5, duration
    await expect(page.get_by_text("Fichier non récupéré : Twilio a répondu 503")).to_be_visible()
    await shoot(page, "ticket-attachments-desktop")

    # The record's timeline shows the same files; the document downloads under Lien's name.
    await page.get_by_role("link", name="Voir la fiche complète").click()
    timeline = page.locator("#timeline")
    await expect(timeline.get_by_role("img", name="Photo envoyée par la personne")).to_be_visible()
    async with page.expect_download() as download:
        await timeline.get_by_role("link", name=f"piece-jointe-{letter_id}.pdf").click()
    assert (await download.value).suggested_filename == f"piece-jointe-{letter_id}.pdf"
    await shoot(page, "record-attachments-desktop")
