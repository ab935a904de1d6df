"""The fake provider started once for these tests, and the real clients that talk to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from fakeprovider import (
    DEFAULT_TELEGRAM_TOKEN,
    DEFAULT_TWILIO_SID,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderServer,
)

PHONE = "+33612345678"
OTHER_PHONE = "+33698765432"
SENDER = "+33700000000"
CHAT = 4242


@pytest.fixture(scope="package")
def provider() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_state(provider: FakeProviderServer) -> None:
    provider.state.reset()


def twilio_client(base_url: str, *, token: str = DEFAULT_TWILIO_TOKEN) -> Any:
    client = Client(DEFAULT_TWILIO_SID, token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = base_url
    return client


@pytest.fixture
async def twilio(provider: FakeProviderServer) -> AsyncIterator[Any]:
    client = twilio_client(provider.twilio_api_url)
    yield client
    await client.http_client.close()


@pytest.fixture
async def bot(provider: FakeProviderServer) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TELEGRAM_TOKEN, base_url=f"{provider.telegram_api_url}/bot") as bot:
        yield bot


@dataclass
class Receiver:
    url: str
    received: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    def statuses(self) -> list[str]:
        return [params["MessageStatus"] for _, params, _ in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    box = Receiver(url="")

    async def status(request: web.Request) -> web.Response:
        form = await request.post()
        params = {key: str(value) for key, value in form.items()}
        box.received.append((str(request.url), params, request.headers["X-Twilio-Signature"]))
        return web.Response(text="<Response/>", content_type="text/xml")

    app = web.Application()
    app.router.add_post("/status", status)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    box.url = f"http://127.0.0.1:{runner.addresses[0][1]}/status"
    yield box
    await runner.cleanup()


async def eventually(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(20):
        while not check():  # noqa: ASYNC110 - the state changes in the server's own thread
            await asyncio.sleep(0.01)


async def send_sms(client: Any, to: str = PHONE, **extra: Any) -> Any:
    return await client.messages.create_async(to=to, from_=SENDER, body="Bonjour", **extra)
