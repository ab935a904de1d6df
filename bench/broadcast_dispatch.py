"""Dispatch a broadcast to the fake provider, run as its own process, at a configured SMS rate."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from bench.broadcast_setup import Scratch, UserFile
from broadcast.audience import AudienceSources
from broadcast.service import Draft, create_broadcast, submit_broadcast
from broadcast.tasks import run_due_broadcasts
from db.base import utcnow
from db.models import Broadcast
from db.session import SessionMaker, create_sessionmaker, transaction
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, RemoteFakeProvider
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.ratelimit import RateLimits
from lien.runtime import build_channels
from lien.settings import Settings


@dataclass(frozen=True)
class Dispatched:
    sent: int
    seconds: float
    # Calls per second between the first and the last call the provider saw.
    achieved: float
    deviation: float


@contextlib.contextmanager
def fake_provider() -> Iterator[str]:
    """Start `python -m fakeprovider` on a free port; yield its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fakeprovider", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        RemoteFakeProvider(url).wait_ready()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def dispatch_at_rate(
    place: Scratch, user_file: UserFile, *, rate: float, texts: Mapping[str, str]
) -> Dispatched:
    """Queue one urgent broadcast to everyone, then let a dispatcher send it all."""
    engine = place.engine()
    sessionmaker = create_sessionmaker(engine)
    async with transaction(sessionmaker) as session:
        created = await create_broadcast(
            session,
            organisation_id=user_file.organisation_id,
            draft=Draft(title="bench", texts=texts, urgent=True),
            created_by=None,
        )
        await submit_broadcast(
            session, broadcast_id=created.id, by=None, now=utcnow(), sources=AudienceSources()
        )
    with fake_provider() as url:
        settings = Settings(
            _env_file=None,
            twilio_account_sid=DEFAULT_TWILIO_SID,
            twilio_auth_token=DEFAULT_TWILIO_TOKEN,
            twilio_from="+33700000000",
            twilio_api_url=url,
            telegram_bot_token=None,
            rate_sms=rate,
        )
        channels, _ = build_channels(settings)
        sms = channels["sms"]
        await sms.start()
        dispatcher = Dispatcher(
            sessionmaker=sessionmaker,
            channels={"sms": sms},
            limits=RateLimits({"sms": rate}),
            config=DispatcherConfig(
                batch_size=settings.dispatch_batch, poll_interval=settings.dispatch_poll_seconds
            ),
        )
        started = time.perf_counter()
        # As in a worker: the fan-out job queues as the dispatcher sends.
        fan_out = asyncio.create_task(_fan_out(sessionmaker, dispatcher))
        task = asyncio.create_task(dispatcher.run_forever())
        try:
            await fan_out
        finally:
            dispatcher.stop()
            await task
            await sms.stop()
        seconds = time.perf_counter() - started
        with RemoteFakeProvider(url) as remote:
            moments = sorted(c["at"] for c in remote.calls(service="twilio") if c["status"])
    await engine.dispose()
    achieved = (len(moments) - 1) / (moments[-1] - moments[0])
    return Dispatched(len(moments), seconds, achieved, achieved / rate - 1)


async def _fan_out(sessionmaker: SessionMaker, dispatcher: Dispatcher) -> None:
    """Run the fan-out job every second, as `lien worker` does, until the broadcast is done."""
    for _ in itertools.count():
        async with transaction(sessionmaker) as session:
            await run_due_broadcasts(session, utcnow())
            status = await session.scalar(select(Broadcast.status))
        dispatcher.wake()
        if status == "done":
            return
        await asyncio.sleep(1.0)
