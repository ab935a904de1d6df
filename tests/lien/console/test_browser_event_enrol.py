"""In Chromium, at 1366 and 390 px: an audience enrolled in a workshop, then the planned
reminders of its first session."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from db.session import SessionMaker
from tests.lien.console.browsing import shoot, sign_in_page, watched_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer
from tests.lien.console.test_broadcasts import seed_user_file
from tests.lien.console.test_event_enrol import seed_workshop

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_staff_enrol_an_audience_and_see_the_planned_reminders(
    live_server: LiveServer, browser: Browser, sessionmaker: SessionMaker, viewport: str
) -> None:
    await seed_user_file(sessionmaker)
    event = await seed_workshop(sessionmaker)
    await add_member(sessionmaker, role="staff", name="Claire")
    page, problems = await watched_page(browser, viewport)
    await sign_in_page(page, live_server, "staff@example.org")
    await page.goto(f"{live_server.url}/events/{event.id}")
    form = page.locator("#enrol-many")
    await form.get_by_label("Centre social de Lézignan-Corbières").check()
    await form.get_by_label("Isolé·e", exact=True).check()
    await form.get_by_role("button", name="Inscrire ce public").click()
    await expect(page.get_by_text("Inscriptions : 2, liste d'attente : 0")).to_be_visible()
    await page.get_by_role("link", name="Liste et présences").first.click()
    lines = page.locator("[data-person-id]")
    await expect(lines).to_have_count(2)
    for name in ("Josette", "Nadia"):
        line = lines.filter(has_text=name)
        await expect(line.locator('[data-reminder="J-2@10:00"]')).to_contain_text("prévu")
        await expect(line.locator('[data-reminder="H-2"]')).to_contain_text("prévu")
    await shoot(page, f"event-reminders-{viewport}")
    assert problems == []
