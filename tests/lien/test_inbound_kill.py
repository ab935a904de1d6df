"""A server killed between storing a webhook and handling it: handled once after the restart."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from db.migrate import upgrade
from db.models import InboundArrival, Message
from db.session import create_engine, create_sessionmaker
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, FakeProviderServer
from tests.lien.test_twilio import sms_params

PHONE = "+33612345678"


def free_port() -> int:
    for port in range(9650, 9700):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


def serve(
    db_url: str, provider: FakeProviderServer, port: int, *, consumers: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LIEN_DATABASE_URL": db_url,
        "LIEN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TWILIO_ACCOUNT_SID": DEFAULT_TWILIO_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_TWILIO_TOKEN,
        "LIEN_TWILIO_FROM": "+33700000000",
        "LIEN_TWILIO_API_URL": provider.twilio_api_url,
        "LIEN_INBOUND_CONSUMERS": str(consumers),
        "LIEN_RATE_SMS": "1000",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "lien.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def ready(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("server did not start")


async def post(port: int, params: dict[str, str]) -> int:
    url = f"http://127.0.0.1:{port}/webhooks/twilio"
    signature = RequestValidator(DEFAULT_TWILIO_TOKEN).compute_signature(url, params)
    async with httpx.AsyncClient() as client:
        response = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
        return response.status_code


async def counts(db_url: str) -> tuple[int, int]:
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            arrivals = await session.scalar(select(func.count()).select_from(InboundArrival))
            inbound = await session.scalar(
                select(func.count()).select_from(Message).where(Message.direction == "in")
            )
            return int(arrivals or 0), int(inbound or 0)
    finally:
        await engine.dispose()


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.slow
async def test_sigkill_after_the_webhook_committed_then_handled_once_after_restart(
    tmp_path: Path, fake_provider: FakeProviderServer
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}"
    engine = create_engine(db_url)
    await upgrade(engine)
    await engine.dispose()
    params = sms_params("Bonjour", From=PHONE)
    port = free_port()
    # No consumer: the process dies exactly between the webhook's commit and its handling.
    first = serve(db_url, fake_provider, port, consumers=0)
    try:
        await ready(port)
        assert await post(port, params) == 200
    finally:
        kill(first)
    assert await counts(db_url) == (1, 0)
    assert fake_provider.state.calls_to(PHONE) == 0

    second = serve(db_url, fake_provider, port, consumers=1)
    try:
        await ready(port)
        for _ in range(200):
            if await counts(db_url) == (0, 1) and fake_provider.state.calls_to(PHONE):
                break
            await asyncio.sleep(0.1)
        assert await counts(db_url) == (0, 1)
        greeted = fake_provider.state.calls_to(PHONE)
        assert greeted >= 1
        assert await post(port, params) == 200  # Twilio tries the same message again
        await asyncio.sleep(1.0)
        assert await counts(db_url) == (0, 1)
        assert fake_provider.state.calls_to(PHONE) == greeted
    finally:
        kill(second)
