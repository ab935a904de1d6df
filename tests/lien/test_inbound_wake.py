"""A quiet system answers at once: the webhook wakes the consumer, which wakes the sender."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from fakeprovider import FakeProviderServer
from lien.app import create_app
from tests.lien.conftest import PUBLIC_URL, provider_settings
from tests.lien.test_twilio import INBOUND, signed, sms_params

PHONE = "+33612345678"


async def test_the_reply_leaves_without_waiting_for_any_poll(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer
) -> None:
    # Polls a minute apart: only being woken can make the reply leave within the test.
    settings = provider_settings(
        database_url, fake_provider, inbound_poll_seconds=60.0, dispatch_poll_seconds=60.0
    )
    app = create_app(settings, schedule=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            await asyncio.sleep(0.5)  # both loops are now resting in their long wait
            params = sms_params("Bonjour", From=PHONE)
            response = await client.post(
                "/webhooks/twilio", data=params, headers=signed(INBOUND, params)
            )
            assert response.status_code == 200
            for _ in range(100):
                if fake_provider.state.calls_to(PHONE):
                    break
                await asyncio.sleep(0.05)
    assert fake_provider.state.calls_to(PHONE) == 1  # the accueil's greeting
