"""In Chromium against the whole app: a newcomer without shelter tops the triage queue live,
staff take the ticket and answer; an event is created and a session cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import pytest
from playwright.async_api import Page, expect

from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from tests.factories import create_site
from tests.lien.console.browsing import shoot, sign_in_page, wait_until
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer
from tests.lien.test_api_tickets import seed
from tests.lien.test_twilio import signed, sms_params

pytestmark = pytest.mark.browser
NEWCOMER = "+33612345678"
# The accueil, step by step: greeting, French, first name, shelter, nowhere tonight, not a minor.
WALK = ("Bonjour", "1", "Amina", "1", "2", "2")
DAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")


async def _walk_the_accueil(server: LiveServer, fake_provider: FakeProviderServer) -> None:
    url = server.url + "/webhooks/twilio"
    async with httpx.AsyncClient() as client:
        for number, text in enumerate(WALK):
            params = sms_params(text, sid=f"SM{number:032d}", From=NEWCOMER)
            answered = len(fake_provider.state.twilio_messages())
            response = await client.post(url, data=params, headers=signed(url, params))
            assert response.status_code == 200
            # Each answer goes out before the next message, as on a phone.
            await wait_until(partial(_more_than, fake_provider, answered))


def _more_than(fake_provider: FakeProviderServer, count: int) -> bool:
    return len(fake_provider.state.twilio_messages()) > count


async def test_a_newcomer_without_shelter_tops_the_queue_and_staff_answer(
    live_server: LiveServer,
    desktop: Page,
    sessionmaker: SessionMaker,
    fake_provider: FakeProviderServer,
) -> None:
    page = desktop
    await add_member(sessionmaker, role="staff", name="Claire")
    older = await seed(sessionmaker, phone="+33600000031")  # a normal ticket, long ago
    await sign_in_page(page, live_server, "staff@example.org")
    await (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Triage")
        .click()
    )
    rows = page.locator("#triage-rows > li[data-ticket-id]")
    await expect(rows).to_have_count(1)

    await _walk_the_accueil(live_server, fake_provider)
    # No reload: the queue refreshes itself, the urgent newcomer above the older ticket.
    await expect(rows).to_have_count(2, timeout=15_000)
    await expect(rows.first).to_contain_text("Amina")
    await expect(rows.first).to_contain_text("urgent")
    await expect(rows.nth(1)).to_have_attribute("data-ticket-id", str(older))
    await shoot(page, "triage-story-desktop")

    await rows.first.get_by_role("link", name="Amina").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Amina")
    await page.get_by_role("button", name="Je m'en occupe").click()
    await expect(page.get_by_text("Ticket pris en charge.")).to_be_visible()
    await expect(page.locator(".facts").first).to_contain_text("Pris parClaire")
    sent_before = len(fake_provider.state.twilio_messages())
    await page.get_by_label("Votre réponse").fill("Bonsoir Amina, une place vous attend au 115.")
    await page.get_by_role("button", name="Envoyer", exact=True).click()
    await expect(page.get_by_text("Réponse mise en file d'envoi.")).to_be_visible()
    await wait_until(lambda: len(fake_provider.state.twilio_messages()) > sent_before)
    last = fake_provider.state.twilio_messages()[-1]
    assert (last["to"], last["body"]) == (NEWCOMER, "Bonsoir Amina, une place vous attend au 115.")
    await expect(page.locator("#exchange-live")).to_contain_text("une place vous attend")
    await shoot(page, "ticket-story-desktop")


async def test_staff_create_an_event_and_cancel_a_session_in_the_browser(
    live_server: LiveServer, desktop: Page, sessionmaker: SessionMaker
) -> None:
    page = desktop
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await add_member(sessionmaker, role="staff", name="Claire")
    await sign_in_page(page, live_server, "staff@example.org")
    await (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Événements")
        .click()
    )
    await page.get_by_role("link", name="Créer un événement").click()
    first = datetime.now(UTC).date() + timedelta(days=2)
    await page.get_by_label("Site").select_option(label="Accueil Nîmes")
    await page.get_by_label("Titre").fill("Atelier couture")
    await page.get_by_label("Première date").fill(first.isoformat())
    await page.get_by_label("Début").fill("14:30")
    await page.get_by_label("Fin (obligatoire)").fill("13:00")
    await page.get_by_label("Fréquence").select_option("weekly")
    await page.get_by_role("button", name="Créer l'événement").click()
    await expect(page.locator("#f-end-error")).to_contain_text(
        "L'heure de fin doit être après l'heure de début."
    )
    await expect(page.locator("#f-weekdays-error")).to_contain_text("au moins un jour")
    await page.get_by_label("Fin (obligatoire)").fill("16:30")
    await page.get_by_label(DAYS[first.weekday()], exact=True).check()
    await page.get_by_label("Jusqu'au").fill((first + timedelta(days=21)).isoformat())
    await page.get_by_role("button", name="Créer l'événement").click()
    await expect(page.get_by_text("Événement créé.")).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Atelier couture")

    await page.get_by_role("link", name="Annuler la séance").first.click()
    await page.get_by_label("Raison (pour l'équipe)").fill("Salle fermée")
    await page.get_by_role("button", name="Confirmer l'annulation").click()
    await expect(page.get_by_text("Séance annulée.")).to_be_visible()
    await expect(page.locator(".session-line").first).to_contain_text("annulée")


async def test_a_volunteer_cannot_open_the_event_form_or_the_settings(
    live_server: LiveServer, desktop: Page, sessionmaker: SessionMaker
) -> None:
    page = desktop
    await add_member(sessionmaker, role="volunteer")
    await sign_in_page(page, live_server, "volunteer@example.org")
    await page.goto(live_server.url + "/events")
    await expect(page.get_by_role("heading", name="Événements")).to_be_visible()
    await expect(page.get_by_role("link", name="Créer un événement")).to_have_count(0)
    for path in ("/events/new", "/settings", "/settings/directory"):
        await page.goto(live_server.url + path)
        await expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
