"""In Chromium, at desktop and phone widths: the main pages fit, load cleanly, and are saved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.async_api import Browser, expect

from db.session import SessionMaker
from notifications.service import EventSpec, create_event
from tests.factories import create_person
from tests.lien.console.browsing import shoot, sign_in_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import DESKTOP, PHONE, LiveServer
from tests.lien.test_api_tickets import seed

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_the_main_pages_fit_the_screen(
    live_server: LiveServer, browser: Browser, sessionmaker: SessionMaker, viewport: str
) -> None:
    size = PHONE if viewport == "phone" else DESKTOP
    context = await browser.new_context(
        viewport=size, locale="fr-FR", is_mobile=viewport == "phone", has_touch=viewport == "phone"
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    # A script or style the content security policy blocks shows up here.
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await add_member(sessionmaker, role="admin", name="Camille")
    async with sessionmaker() as session, session.begin():
        person = await create_person(
            session,
            first_name="Fatima",
            language="ar",
            phone=None,  # a simulated person: the simulator never writes for a real contact
            simulator="+33612000041",
            tags=["famille"],
        )
        event = await create_event(
            session,
            spec=EventSpec(
                site_slug="nimes-accueil",
                kind="workshop",
                texts={"fr": {"title": "Atelier français"}},
                dtstart_local=datetime.now().replace(microsecond=0) + timedelta(days=1),
                duration=timedelta(hours=2),
                rrule="FREQ=WEEKLY;COUNT=4",
                place="Salle 2",
            ),
        )
    ticket = await seed(
        sessionmaker, phone="+33600000042", priority="urgent", need="shelter", site="lezignan"
    )
    await sign_in_page(page, live_server, "admin@example.org")
    await page.goto(live_server.url + "/simulator")
    await page.get_by_label("Numéro de la personne simulée").fill("+33612000041")
    await page.get_by_label("Message (obligatoire)").fill("Bonjour, j'ai besoin d'aide")
    await page.get_by_role("button", name="Envoyer comme cette personne").click()
    await expect(page.locator("#sim-thread")).to_contain_text("j'ai besoin d'aide")
    pages = {
        "dashboard": "/",
        "inbox": "/inbox",
        "record": f"/beneficiaries/{person.id}",
        "people": "/beneficiaries",
        "simulator": "/simulator",
        "triage": "/triage",
        "ticket": f"/triage/{ticket}",
        "events": "/events",
        "event": f"/events/{event.id}",
        "directory": "/settings/directory",
        "settings": "/settings",
        "staff": "/settings/staff",
    }
    for name, path in pages.items():
        await page.goto(live_server.url + path)
        await expect(page.locator("main h1")).to_be_visible()
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} is wider than the {viewport} screen by {overflow}px"
        await shoot(page, f"{name}-{viewport}")
    assert errors == []
    await context.close()
