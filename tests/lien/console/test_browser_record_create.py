"""In Chromium, at 1366 and 390 px: staff create a person from the people list, then record
the paper consent the person signed."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from db.session import SessionMaker
from tests.lien.console.browsing import shoot, sign_in_page, watched_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_staff_create_a_person_and_record_a_signed_consent(
    live_server: LiveServer, browser: Browser, sessionmaker: SessionMaker, viewport: str
) -> None:
    await add_member(sessionmaker, role="staff")
    page, problems = await watched_page(browser, viewport)
    await sign_in_page(page, live_server, "staff@example.org")
    await page.goto(f"{live_server.url}/beneficiaries")

    await page.get_by_role("link", name="Nouvelle personne").click()
    await page.get_by_role("button", name="Créer la fiche").click()
    await expect(page.locator("#f-first_name-error")).to_contain_text("au moins un prénom")
    await expect(page.locator("#f-site-error")).to_contain_text("obligatoire")
    await page.get_by_label("Prénom").fill("Mariam")
    await page.get_by_label("Nom", exact=True).fill("Haile")
    await page.get_by_label("Langue").select_option("ti")
    await page.get_by_label("Site").select_option("nimes-accueil")
    await page.get_by_label("Étiquettes").fill("famille, isolé")
    await page.get_by_label("Téléphone (facultatif)").fill("06 12 00 00 51")
    await page.get_by_role("button", name="Créer la fiche").click()
    await expect(page.get_by_text("Fiche créée.")).to_be_visible()
    await expect(page.locator("h1")).to_contain_text("Mariam Haile")
    await expect(page.locator("main")).to_contain_text("+33612000051")

    await page.get_by_role("link", name="Enregistrer un consentement").click()
    await page.get_by_label("Canal").select_option(label="SMS")
    await page.get_by_label("Décision").select_option(label="accepte les messages")
    await page.get_by_label("Comment la personne l'a dit").select_option(label="papier signé")
    await shoot(page, f"record-consent-form-{viewport}")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Consentement enregistré.")).to_be_visible()
    history = page.locator("section[aria-labelledby=consent-title]")
    await expect(history).to_contain_text("papier signé")
    await expect(history).to_contain_text("accepte les messages")
    await shoot(page, f"record-created-consent-{viewport}")
    assert problems == []
