"""In Chromium, at 1366 and 390 px: a messy user file imported through the page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, FilePayload, expect
from sqlalchemy import select

from db.models import BeneficiaryTag
from db.session import SessionMaker
from tests.factories import create_site
from tests.lien.console.browsing import shoot, sign_in_page, watched_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer
from tests.lien.console.test_imports import MESSY

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_staff_import_a_messy_file_through_the_page(
    live_server: LiveServer,
    browser: Browser,
    sessionmaker: SessionMaker,
    viewport: str,
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await add_member(sessionmaker, role="staff", name="Claire")
    page, problems = await watched_page(browser, viewport)
    await sign_in_page(page, live_server, "staff@example.org")
    if viewport == "phone":
        await page.goto(live_server.url + "/imports/new")
    else:
        menu = page.get_by_role("navigation", name="Menu principal")
        await menu.get_by_role("link", name="Import").click()
    await page.get_by_label("Fichier (obligatoire)").set_input_files(
        files=[FilePayload(name="usagers.csv", mimeType="text/csv", buffer=MESSY)]
    )
    await page.get_by_role("button", name="Lire le fichier").click()

    report = page.locator("#import-report")
    await expect(report).to_contain_text("rien n'est encore enregistré")
    await expect(report.locator('[data-count="created"]')).to_have_text("2")
    await expect(report.locator('[data-count="rejected"]')).to_have_text("1")
    await expect(page.locator("#rejected-lines")).to_contain_text("Ligne 5")
    await page.get_by_label("Situation").select_option(label="Étiquettes (situation, public…)")
    await page.get_by_role("button", name="Vérifier de nouveau").click()
    await expect(page.get_by_label("Situation")).to_have_value("tags")
    await shoot(page, f"import-check-{viewport}")
    await page.get_by_role("button", name="Confirmer l'import").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Import terminé")
    await expect(report.locator('[data-count="created"]')).to_have_text("2")
    async with sessionmaker() as session:
        assert set(await session.scalars(select(BeneficiaryTag.tag))) == {"isole", "famille"}
    assert problems == []
