"""In Chromium against a real server: the inbox (gateway alone) refreshes live, forms explain."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from tests.factories import create_person
from tests.lien.console.browsing import shoot, sign_in_page, wait_until
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer
from tests.lien.test_twilio import signed, sms_params

pytestmark = pytest.mark.browser


async def test_a_newcomer_sms_appears_live_and_the_staff_reply_reaches_the_provider(
    gateway_server: LiveServer,
    desktop: Page,
    sessionmaker: SessionMaker,
    fake_provider: FakeProviderServer,
) -> None:
    page = desktop
    await add_member(sessionmaker, role="staff", name="Claire")
    await page.goto(gateway_server.url + "/")
    await expect(page).to_have_url(f"{gateway_server.url}/login?next=%2F")
    await shoot(page, "login-desktop")
    await sign_in_page(page, gateway_server, "staff@example.org")
    await page.get_by_role("link", name="Messages reçus").click()
    await expect(page.get_by_text("Aucun message à traiter.")).to_be_visible()

    url = gateway_server.url + "/webhooks/twilio"
    params = sms_params("Bonjour, je cherche un médecin ce soir")
    async with httpx.AsyncClient() as client:
        webhook = await client.post(url, data=params, headers=signed(url, params))
    assert webhook.status_code == 200
    # No reload: the list refreshes itself.
    newcomer = page.get_by_role("link", name="Personne n°")
    await expect(newcomer).to_be_visible(timeout=15_000)
    await expect(page.get_by_text("je cherche un médecin ce soir")).to_be_visible()
    await shoot(page, "inbox-desktop")

    await newcomer.click()
    await page.get_by_label("Votre réponse").fill("Bonsoir, venez au 12 rue de la Gare.")
    await page.get_by_role("button", name="Envoyer", exact=True).click()
    await expect(page.get_by_text("Réponse mise en file d'envoi.")).to_be_visible()
    await wait_until(lambda: len(fake_provider.state.twilio_messages()) == 1)
    (sent,) = fake_provider.state.twilio_messages()
    assert (sent["to"], sent["body"]) == ("+33612345678", "Bonsoir, venez au 12 rue de la Gare.")
    await expect(page.locator("#timeline .bubble.out .badge")).to_have_text(
        "envoyé", timeout=15_000
    )
    await shoot(page, "conversation-desktop")

    menu = page.get_by_role("navigation", name="Menu principal")
    await menu.get_by_role("link", name="Personnes").click()
    await expect(page.get_by_role("heading", name="Derniers contacts")).to_be_visible()
    await shoot(page, "people-desktop")


async def test_forms_say_what_is_wrong_next_to_the_field_in_french(
    live_server: LiveServer, desktop: Page, sessionmaker: SessionMaker
) -> None:
    page = desktop
    await add_member(sessionmaker, role="staff")
    async with sessionmaker() as session, session.begin():
        person = await create_person(session, first_name="Amanuel", language="ti")
    await sign_in_page(page, live_server, "staff@example.org")
    await page.goto(f"{live_server.url}/beneficiaries/{person.id}/edit")
    await page.get_by_label("Étiquettes").fill("famille, " + "x" * 70)
    await page.get_by_label("Prénom").fill("A" * 120)
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.locator("#f-tags-error")).to_contain_text(
        "Chaque étiquette fait 64 caractères au plus."
    )
    await expect(page.locator("#f-first_name-error")).to_contain_text("100 caractères au plus.")
    await expect(page.get_by_label("Prénom")).to_have_attribute("aria-invalid", "true")
    await shoot(page, "record-edit-errors-desktop")
