"""One person's messages are handled in the order they arrived, even inside a burst."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from fakeprovider import FakeProviderServer
from gateway.inbound import InboundContext
from lien.app import create_app
from lien.runtime import Runtime
from tests.lien.conftest import PUBLIC_URL, provider_settings
from tests.lien.test_twilio import INBOUND, signed, sms_params

PERSON = "+33612345678"
OTHERS = [f"+3361000{n:04d}" for n in range(30)]


async def test_a_person_writing_every_100_ms_during_a_burst_is_handled_in_order(
    engine: AsyncEngine,
    database_url: str,
    fake_provider: FakeProviderServer,
) -> None:
    handled: list[tuple[str, str]] = []

    def recording(runtime: Runtime) -> None:
        async def record(ctx: InboundContext) -> bool:
            handled.append((ctx.contact.address, ctx.text))
            await asyncio.sleep(0)  # let the other consumer run meanwhile
            return True

        runtime.router.register("record", record, order=0)

    # Two consumers: on PostgreSQL they really run at once; on SQLite they take turns.
    settings = provider_settings(database_url, fake_provider, inbound_consumers=2)
    app = create_app(settings, dispatch=False, schedule=False, consume=True, wiring=recording)
    sids = iter(range(1, 10_000))

    async def post(sender: str, text: str) -> None:
        params = sms_params(text, sid=f"SM{next(sids):032d}", From=sender)
        response = await client.post(
            "/webhooks/twilio", data=params, headers=signed(INBOUND, params)
        )
        assert response.status_code == 200

    async def person() -> None:
        for n in range(10):
            await post(PERSON, f"message {n}")
            await asyncio.sleep(0.1)

    async def other(sender: str) -> None:
        for n in range(10):
            await post(sender, f"rafale {n}")

    async def burst() -> None:
        # 300 webhooks at once: thirty people, each sending as soon as the last was stored.
        await asyncio.sleep(0.25)
        await asyncio.gather(*(other(sender) for sender in OTHERS))

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            await asyncio.gather(person(), burst())
            for _ in range(600):
                if len(handled) == 310:
                    break
                await asyncio.sleep(0.05)

    assert len(handled) == 310
    assert [text for who, text in handled if who == PERSON] == [f"message {n}" for n in range(10)]
    for sender in OTHERS:
        assert [text for who, text in handled if who == sender] == [
            f"rafale {n}" for n in range(10)
        ]
