"""Helpers for the browser tests: signing in, screenshots, waiting for a change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from playwright.async_api import Page, expect

from tests.lien.console.conftest import PASSWORD
from tests.lien.console.livesite import SCREENSHOTS, LiveServer


async def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


async def sign_in_page(page: Page, server: LiveServer, email: str) -> None:
    await page.goto(server.url + "/")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")


async def wait_until(check: Callable[[], bool], *, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the expected change did not happen")
