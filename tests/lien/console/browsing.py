"""Helpers for the browser tests: signing in, screenshots, waiting for a change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    ViewportSize,
    expect,
)

from tests.lien.console.conftest import PASSWORD
from tests.lien.console.livesite import PHONE, SCREENSHOTS, LiveServer

WIDE = ViewportSize(width=1366, height=900)


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


async def watched_page(browser: Browser, viewport: str) -> tuple[Page, list[str]]:
    """Return a page at 1366 px ("desktop") or 390 px ("phone") and the problems it meets:
    console errors (a script or style the policy blocks), failed requests, 4xx/5xx answers."""
    phone = viewport == "phone"
    context = await browser.new_context(
        viewport=PHONE if phone else WIDE, locale="fr-FR", is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A refused form answers 422 with the page and its errors: expected, and reported
        # by Chromium as a resource that failed to load.
        if message.type == "error" and "status of 422" not in message.text:
            problems.append(f"{page.url}: {message.text}")

    def on_response(response: Response) -> None:
        refused_form = response.status == 422 and response.request.method == "POST"
        if response.status >= 400 and not refused_form:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)

    def on_failed(request: Request) -> None:
        # A list refreshing itself while a form leaves the page is cut off by the browser.
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"failed {request.url}: {request.failure}")

    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    return page, problems
