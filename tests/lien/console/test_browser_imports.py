"""In Chromium, at 1366 and 390 px: a messy user file imported through the page, and a large one
saved in the background while its page shows the progress."""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

import pytest
from playwright.async_api import Browser, FilePayload, expect
from sqlalchemy import func, select

from broadcast import import_jobs
from db.models import BeneficiaryTag
from db.session import SessionMaker
from tests.factories import create_site
from tests.lien.console.browsing import shoot, sign_in_page, watched_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer
from tests.lien.console.test_import_progress import PEOPLE, large_file, people_count
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


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_a_large_file_shows_its_progress_until_the_report(
    live_server: LiveServer,
    browser: Browser,
    sessionmaker: SessionMaker,
    monkeypatch: pytest.MonkeyPatch,
    viewport: str,
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await add_member(sessionmaker, role="staff", name="Claire")
    # The server saves the first batch, then waits for the test before the next ones.
    released = threading.Event()
    real = import_jobs.save_batch
    calls: list[int] = []

    async def held(*args: Any, **kwargs: Any) -> bool:
        calls.append(1)
        if len(calls) > 1:
            await asyncio.to_thread(released.wait, 30)
        return await real(*args, **kwargs)

    monkeypatch.setattr(import_jobs, "save_batch", held)
    page, problems = await watched_page(browser, viewport)
    await sign_in_page(page, live_server, "staff@example.org")
    await page.goto(live_server.url + "/imports/new")
    await page.get_by_label("Fichier (obligatoire)").set_input_files(
        files=[FilePayload(name="grand-fichier.csv", mimeType="text/csv", buffer=large_file())]
    )
    await page.get_by_role("button", name="Lire le fichier").click()
    report = page.locator("#import-report")
    await expect(report.locator('[data-count="created"]')).to_have_text(str(PEOPLE))
    try:
        await page.get_by_role("button", name="Confirmer l'import").click()
        await expect(page).to_have_url(re.compile(r"/imports/\d+$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Import en cours")
        count = page.locator("#import-count")
        await expect(count).to_have_text(f"500 lignes sur {PEOPLE} traitées")
        await expect(page.locator("#import-progress progress")).to_have_attribute("value", "500")
        await shoot(page, f"import-progress-{viewport}")
    finally:
        released.set()
    # The page refreshes itself until the report: nobody reloads it.
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Import terminé", timeout=30_000)
    await expect(report.locator('[data-count="created"]')).to_have_text(str(PEOPLE))
    await expect(report).to_contain_text("Ce qui est enregistré")
    await shoot(page, f"import-large-done-{viewport}")
    assert await people_count(sessionmaker) == PEOPLE
    async with sessionmaker() as session:
        tagged = select(func.count()).select_from(BeneficiaryTag)
        assert await session.scalar(tagged) == PEOPLE
    assert problems == []
