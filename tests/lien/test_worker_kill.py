"""A worker killed while a provider call is in flight: the message is never sent twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from db.migrate import upgrade
from db.models import Message
from db.session import create_engine, create_sessionmaker, transaction
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, FakeProviderServer, Fault
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from tests.factories import create_person

PHONE = "+33612345678"


def worker(db_url: str, provider: FakeProviderServer) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LIEN_DATABASE_URL": db_url,
        "TWILIO_ACCOUNT_SID": DEFAULT_TWILIO_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_TWILIO_TOKEN,
        "LIEN_TWILIO_FROM": "+33700000000",
        "LIEN_TWILIO_API_URL": provider.twilio_api_url,
        "LIEN_PROVIDER_TIMEOUT_SECONDS": "60",
        "LIEN_DISPATCH_LEASE_SECONDS": "1",
        "LIEN_DISPATCH_POLL_SECONDS": "0.1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "lien.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


async def status_of(db_url: str, message_id: int) -> str:
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return str(await session.scalar(select(Message.status).where(Message.id == message_id)))
    finally:
        await engine.dispose()


@pytest.mark.slow
async def test_sigkill_mid_send_leaves_one_provider_call(
    tmp_path: Path, fake_provider: FakeProviderServer
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}"
    engine = create_engine(db_url)
    await upgrade(engine)
    async with transaction(create_sessionmaker(engine)) as session:
        person = await create_person(session, phone=PHONE)
        message_id = await queue_message(
            session, OutgoingMessage(beneficiary_id=person.id, text="Rappel", origin=Origin("t"))
        )
    await engine.dispose()
    assert message_id is not None
    fake_provider.state.inject("twilio", Fault.hang(600))  # accepted, but no answer comes back

    first = worker(db_url, fake_provider)
    try:
        await asyncio.to_thread(wait_for, lambda: fake_provider.state.calls_to(PHONE) == 1)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert await status_of(db_url, message_id) == "sending"

    second = worker(db_url, fake_provider)
    try:
        for _ in range(200):
            if await status_of(db_url, message_id) == "unknown":
                break
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait()
    assert await status_of(db_url, message_id) == "unknown"
    assert fake_provider.state.calls_to(PHONE) == 1
