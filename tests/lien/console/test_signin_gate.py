"""The gate in front of sign-in: refused before the body is read, the rest goes through."""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from db.base import utcnow
from lien.console.signin_gate import SIGN_INS_IN_FLIGHT, SignInGate
from lien.console.throttle import PER_ADDRESS, SignInThrottle


class Inner:
    """A sign-in page that holds each request until told to answer."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.all_in = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        if self.calls >= SIGN_INS_IN_FLIGHT:
            self.all_in.set()
        await self.release.wait()
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _client(gate: SignInGate, address: str = "10.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=gate, client=(address, 1234))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_an_address_over_its_limit_is_refused_without_reaching_the_page() -> None:
    throttle, inner = SignInThrottle(), Inner()
    inner.release.set()
    for _ in range(PER_ADDRESS[0].amount):
        throttle.admit(address="10.0.0.1", account="a", known=True, now=utcnow().timestamp())
    async with _client(SignInGate(inner, throttle=throttle)) as client:
        refused = await client.post("/login", content=b"x" * 1_000_000)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "Réessayez dans un instant" in refused.text
        assert inner.calls == 0
        assert (await client.get("/login")).status_code == 401  # pages are not held
    async with _client(SignInGate(inner, throttle=throttle), "10.0.0.2") as other:
        assert (await other.post("/login", data={"email": "x"})).status_code == 401


async def test_attempts_beyond_those_under_way_are_refused_at_once() -> None:
    inner = Inner()
    gate = SignInGate(inner, throttle=SignInThrottle())
    async with _client(gate) as client:
        held = [
            asyncio.create_task(client.post("/login", data={"n": str(n)}))
            for n in range(SIGN_INS_IN_FLIGHT)
        ]
        await asyncio.wait_for(inner.all_in.wait(), timeout=10)
        assert (await client.post("/login", data={"n": "late"})).status_code == 429
        inner.release.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [401] * SIGN_INS_IN_FLIGHT
        assert (await client.post("/login", data={"n": "after"})).status_code == 401
