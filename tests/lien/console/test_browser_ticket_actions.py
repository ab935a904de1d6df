"""In Chromium, at 1366 and 390 px: staff raise a ticket's priority, lower it with a reason,
and hand it to a colleague."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from db.session import SessionMaker
from tests.lien.console.browsing import shoot, sign_in_page, watched_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer
from tests.lien.test_api_tickets import seed

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_staff_change_a_tickets_priority_and_assign_it(
    live_server: LiveServer, browser: Browser, sessionmaker: SessionMaker, viewport: str
) -> None:
    ticket = await seed(sessionmaker, phone="+33600000061", need="food")
    await add_member(sessionmaker, role="staff", name="Claire")
    await add_member(sessionmaker, role="volunteer", email="karim@example.org", name="Karim")
    page, problems = await watched_page(browser, viewport)
    await sign_in_page(page, live_server, "staff@example.org")
    await page.goto(f"{live_server.url}/triage/{ticket}")
    head = page.locator(".record-head")
    await expect(head).to_contain_text("normal")

    await page.get_by_label("Priorité").select_option(label="urgent")
    await page.get_by_role("button", name="Changer la priorité").click()
    await expect(page.get_by_text("Priorité mise à jour.")).to_be_visible()
    await expect(head).to_contain_text("urgent")
    await page.get_by_label("Priorité").select_option(label="prioritaire")
    await page.get_by_role("button", name="Changer la priorité").click()
    await expect(page.locator("#f-priority_reason-error")).to_contain_text("pourquoi")
    await page.get_by_label("Raison").fill("Colis remis ce matin")
    await page.get_by_role("button", name="Changer la priorité").click()
    await expect(head).to_contain_text("prioritaire")
    await expect(page.locator("main")).to_contain_text("Colis remis ce matin")

    await page.get_by_label("Confier à").select_option(label="Karim")
    await page.get_by_role("button", name="Confier le ticket").click()
    await expect(page.get_by_text("Ticket confié à Karim.")).to_be_visible()
    await expect(page.locator(".facts").first).to_contain_text("Pris parKarim")
    await shoot(page, f"ticket-priority-assign-{viewport}")
    await page.get_by_role("button", name="Rendre le ticket à l'équipe").click()
    await expect(page.locator(".facts").first).to_contain_text("Pris parpersonne")
    assert problems == []
