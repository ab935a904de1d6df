"""A worker killed in the middle of a broadcast: once restarted, everyone has exactly one call."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import BroadcastRecipient, Message
from fakeprovider import (
    DEFAULT_TWILIO_SID,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderServer,
)
from tests.broadcast.conftest import sent_broadcast
from tests.factories import create_person, create_site

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 30


@pytest.fixture
def provider() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


def worker(database_url: str, provider: FakeProviderServer, *, kill_after: int) -> int:
    env = {
        **os.environ,
        "LIEN_DATABASE_URL": database_url,
        "LIEN_LOG_LEVEL": "ERROR",
        "TWILIO_ACCOUNT_SID": DEFAULT_TWILIO_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_TWILIO_TOKEN,
        "LIEN_TWILIO_FROM": "+33700000000",
        "LIEN_TWILIO_API_URL": provider.twilio_api_url,
        "LIEN_TELEGRAM_BOT_TOKEN": "",
        "KILL_AFTER_PASS": str(kill_after),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.broadcast.kill_worker"],
        cwd=ROOT,
        env=env,
        timeout=60,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr
    return done.returncode


async def test_a_killed_worker_resumes_without_a_second_provider_call(
    session: AsyncSession, database_url: str, provider: FakeProviderServer
) -> None:
    site = await create_site(session)
    phones = [f"+336123456{i:02d}" for i in range(PEOPLE)]
    for phone in phones:
        await create_person(session, site=site, phone=phone)
    # Urgent, so that the wall clock's quiet hours do not hold it.
    await sent_broadcast(session, site, urgent=True, now=utcnow())

    assert worker(database_url, provider, kill_after=2) == -signal.SIGKILL
    statuses = list(await session.scalars(select(Message.status)))
    await session.commit()
    assert statuses.count("sending") == 5  # called, not recorded: the worst moment
    assert len(provider.state.twilio_messages()) == 10

    assert worker(database_url, provider, kill_after=0) == 0
    assert [provider.state.calls_to(phone) for phone in phones] == [1] * PEOPLE
    messages = list(await session.scalars(select(Message)))
    states = list(await session.scalars(select(BroadcastRecipient.state)))
    assert len(messages) == PEOPLE and states == ["queued"] * PEOPLE
    # The five whose outcome was lost are never sent again; the provider's report settles them.
    assert sorted(m.status for m in messages) == ["sent"] * 25 + ["unknown"] * 5
