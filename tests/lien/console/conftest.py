"""The console under test: staff accounts, a signed-in client, the CSRF token of a page."""

from __future__ import annotations

import asyncio
import html
import re
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import StaffMember
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from lien.app import Wiring
from lien.console import signin
from lien.console.accounts import create_staff_member
from tests.factories import create_site
from tests.lien.conftest import App, provider_settings, without_domains
from tests.lien.console.livesite import CHROMIUM_ARGS, DESKTOP, LiveServer, ensure_chromium

PASSWORD = "correct horse battery"
# Same algorithm, a thousandth of the cost: the suite hashes dozens of passwords on two cores.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def add_member(
    sessionmaker: SessionMaker,
    *,
    role: str = "staff",
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    organisation_id: int | None = None,
) -> StaffMember:
    """Create a console account, in the first organisation (made if none) unless told."""
    async with sessionmaker() as session, session.begin():
        if organisation_id is None:
            organisation_id = (await create_site(session)).organisation_id
        return await create_staff_member(
            session,
            email=email or f"{role}@example.org",
            name=name or f"{role.capitalize()} Test",
            role=role,
            password=password,
            organisation_id=organisation_id,
        )


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signin, "_hasher", CHEAP_HASHER)


def error_of(page: str, field: str) -> str:
    """Return the message shown next to a form field, as a person reads it."""
    found = re.search(rf'<p class="error" id="f-{field}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error next to {field}"
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", found.group(1))
    return html.unescape(shown).strip()


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


async def page_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return csrf_of(response.text)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    token = await page_token(client)
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )


async def signed_in_as(app: App, sessionmaker: SessionMaker, role: str) -> StaffMember:
    member = await add_member(sessionmaker, role=role)
    response = await sign_in(app.client, member.email or "")
    assert response.status_code == 303, response.text
    return member


@pytest.fixture
async def staff_member(lien_app: App, sessionmaker: SessionMaker) -> StaffMember:
    """A staff member signed in on `lien_app.client`."""
    return await signed_in_as(lien_app, sessionmaker, "staff")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's headless Chromium, installed through apt when the machine lacks it."""
    try:
        return ensure_chromium()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.fail(f"Chromium is needed for the browser tests and could not be installed: {exc}")


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def desktop(browser: Browser) -> AsyncIterator[Page]:
    """A fresh page at desktop size, in French."""
    context = await browser.new_context(viewport=DESKTOP, locale="fr-FR")
    context.set_default_timeout(10_000)
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def live_server(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer
) -> AsyncIterator[LiveServer]:
    """The whole app on a free loopback port, SMS and Telegram pointed at the fake provider."""
    async for server in _serve(database_url, fake_provider, wiring=None):
        yield server


@pytest.fixture
async def gateway_server(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer
) -> AsyncIterator[LiveServer]:
    """The gateway alone on a free port: what no automation takes stays in the inbox."""
    async for server in _serve(database_url, fake_provider, wiring=without_domains):
        yield server


async def _serve(
    database_url: str, provider: FakeProviderServer, *, wiring: Wiring | None
) -> AsyncIterator[LiveServer]:
    server = LiveServer(
        lambda url: provider_settings(database_url, provider, public_url=url), wiring=wiring
    )
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)
