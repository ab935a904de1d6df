"""In Chromium: signing in by keyboard, and a volunteer kept out of pages above their role."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from db.session import SessionMaker
from tests.lien.console.browsing import shoot
from tests.lien.console.conftest import PASSWORD, add_member
from tests.lien.console.livesite import LiveServer

pytestmark = pytest.mark.browser


async def test_a_volunteer_signs_in_by_keyboard_and_cannot_open_pages_above_their_role(
    live_server: LiveServer, desktop: Page, sessionmaker: SessionMaker
) -> None:
    page = desktop
    await add_member(sessionmaker, role="volunteer")
    await page.goto(live_server.url + "/login")
    await page.get_by_label("Adresse e-mail").focus()
    await page.keyboard.type("volunteer@example.org")
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    menu = page.get_by_role("navigation", name="Menu principal")
    await expect(menu.get_by_role("link")).to_have_text(
        ["Accueil", "Triage", "Messages reçus", "Personnes", "Événements"]
    )
    for path in (
        "/settings",
        "/settings/staff",
        "/settings/directory",
        "/simulator",
        "/events/new",
    ):
        await page.goto(live_server.url + path)
        await expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
    await shoot(page, "refused-volunteer-desktop")
