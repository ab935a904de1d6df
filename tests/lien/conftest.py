"""The app under test, started with its lifespan, and a staff token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from db.session import SessionMaker
from fakeprovider import (
    DEFAULT_TELEGRAM_TOKEN,
    DEFAULT_TWILIO_SID,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderServer,
)
from lien.app import Wiring, create_app
from lien.auth import OPERATOR, create_token, sole_organisation
from lien.runtime import Runtime
from lien.settings import Settings
from tests.conftest import TEST_SECRET

PUBLIC_URL = "https://lien.example.org"
INBOUND_WEBHOOKS = {"/webhooks/twilio", "/webhooks/telegram"}


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "public_url": PUBLIC_URL,
        "environment": "development",
        "secret_key": TEST_SECRET,
        "twilio_account_sid": None,
        "twilio_auth_token": None,
        "telegram_bot_token": None,
        "simulator_enabled": True,
        **overrides,
    }
    return Settings(_env_file=None, **values)


class App:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime


def without_domains(runtime: Runtime) -> None:
    """Wire no domain: the gateway alone, for tests of the core."""
    del runtime


async def started(settings: Settings, *, wiring: Wiring | None = None) -> AsyncIterator[App]:
    app = create_app(settings, dispatch=False, schedule=False, wiring=wiring)

    async def handle_arrivals(response: httpx.Response) -> None:
        # No consumer runs in the background here: a webhook's stored arrivals are handled
        # before the test reads what came of them, as a woken consumer would.
        if response.request.url.path in INBOUND_WEBHOOKS:
            await app.state.runtime.consumer.drain()

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url=PUBLIC_URL,
            event_hooks={"response": [handle_arrivals]},
        ) as client:
            yield App(app, client)


@pytest.fixture
async def lien_app(engine: AsyncEngine, database_url: str) -> AsyncIterator[App]:
    async for app in started(make_settings(database_url)):
        yield app


async def bearer(
    sessionmaker: SessionMaker,
    *,
    role: str = "staff",
    name: str = "Claire",
    organisation_id: int | None = None,
) -> dict[str, str]:
    """Return the header of a new token; its account joins the only organisation unless told."""
    async with sessionmaker() as session, session.begin():
        if organisation_id is None and role != OPERATOR:
            organisation_id = (await sole_organisation(session)).id
        token = await create_token(session, name=name, role=role, organisation_id=organisation_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def staff_headers(sessionmaker: SessionMaker, lien_app: App) -> dict[str, str]:
    return await bearer(sessionmaker)


TWILIO_NUMBER = "+33700000000"
TELEGRAM_SECRET = "s3cret-webhook-token"


def provider_settings(
    database_url: str, provider: FakeProviderServer, **overrides: Any
) -> Settings:
    """Settings with both real channels on, pointed at the local fake provider."""
    return make_settings(
        database_url,
        twilio_account_sid=DEFAULT_TWILIO_SID,
        twilio_auth_token=DEFAULT_TWILIO_TOKEN,
        twilio_from=TWILIO_NUMBER,
        twilio_api_url=provider.twilio_api_url,
        telegram_bot_token=DEFAULT_TELEGRAM_TOKEN,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_url=provider.telegram_api_url,
        provider_timeout_seconds=1.0,
        rate_sms=1000.0,
        rate_telegram=1000.0,
        **overrides,
    )


@pytest.fixture
async def provider_app(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer
) -> AsyncIterator[App]:
    async for app in started(provider_settings(database_url, fake_provider)):
        yield app
