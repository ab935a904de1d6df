"""The dispatcher against the fake provider in its own process.

Baseline: the same twilio client sending the same messages, same concurrency, no database,
measured in the same run. The dispatcher runs pass by pass (`run_once` in a loop) and as a
worker runs it (`run_forever`, sends overlapping). Then its pace under a configured rate limit.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bench.common import (
    busiest_second,
    free_port,
    queue_all,
    scratch_sqlite,
    spawn_fake_provider,
    steady_rate,
    stop,
)
from db.models import Message
from db.session import create_sessionmaker
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, RemoteFakeProvider
from gateway import statuses
from gateway.channels.twilio import TwilioChannel
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.ratelimit import RateLimits

CONCURRENCY = 100


@dataclass(frozen=True)
class Run:
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


async def raw_client(api_url: str, count: int) -> Run:
    http = AsyncTwilioHttpClient()
    client = Client(DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, http_client=http)
    client.api.base_url = api_url
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            await client.messages.create_async(
                to=f"+336{30000000 + i:08d}", from_="+33700000000", body="Rappel : atelier demain"
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    elapsed = time.perf_counter() - started
    await http.close()
    return Run(count, elapsed)


async def pass_by_pass(dispatcher: Dispatcher, count: int) -> int:
    """Claim, send, record, again: `run_once` in a loop, as `lien chat` does."""
    sent = 0
    while sent < count:
        began = time.perf_counter()
        done = await dispatcher.run_once()
        sent += done.sent
        if not done.decided or done.waiting_for_rate:
            await asyncio.sleep(max(0.001, done.wait - (time.perf_counter() - began)))
    return sent


async def run_until_drained(dispatcher: Dispatcher, engine: AsyncEngine) -> None:
    """Run the dispatcher as a worker does, until the outbox is empty."""
    running = asyncio.create_task(dispatcher.run_forever())
    sessionmaker = create_sessionmaker(engine)
    while True:
        async with sessionmaker() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.status.in_([statuses.QUEUED, statuses.SENDING]))
            )
        if not left:
            break
        # Not more often: on SQLite every look takes the write lock for a moment.
        await asyncio.sleep(0.05)
    dispatcher.stop()
    await running


async def dispatch_all(
    url: str, api_url: str, count: int, *, rate: float | None, running: bool = True
) -> Run:
    """Send `count` queued SMS; `rate` None leaves the channel without a rate limit."""
    engine = await queue_all(url, count)
    channel = TwilioChannel(
        account_sid=DEFAULT_TWILIO_SID,
        auth_token=DEFAULT_TWILIO_TOKEN,
        sender="+33700000000",
        messaging_service_sid=None,
        api_url=api_url,
        status_callback_url=None,
    )
    await channel.start()
    dispatcher = Dispatcher(
        sessionmaker=create_sessionmaker(engine),
        channels={"sms": channel},
        limits=RateLimits({} if rate is None else {"sms": rate}),
        config=DispatcherConfig(batch_size=200, concurrency=CONCURRENCY, poll_interval=0.01),
    )
    started = time.perf_counter()
    if running:
        await run_until_drained(dispatcher, engine)
        sent = count
    else:
        sent = await pass_by_pass(dispatcher, count)
    elapsed = time.perf_counter() - started
    await channel.stop()
    await engine.dispose()
    return Run(sent, elapsed)


async def run(*, quick: bool, database_url: str | None) -> None:
    count = 1000 if quick else 5000
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    provider = spawn_fake_provider(port)
    remote = RemoteFakeProvider(api_url)
    try:
        for latency in (0.0, 0.05):
            remote.set_latency(latency)
            base = await raw_client(api_url, count)
            url = database_url or scratch_sqlite("dispatch")
            passes = await dispatch_all(url, api_url, count, rate=1_000_000, running=False)
            url = database_url or scratch_sqlite("dispatch-running")
            lien = await dispatch_all(url, api_url, count, rate=1_000_000)
            if latency == 0:
                lien_at_zero = lien
            print(
                f"latency {latency * 1000:3.0f} ms: raw twilio client {base.rate:7.0f} msg/s | "
                f"pass by pass {passes.rate:7.0f} msg/s ({passes.rate / base.rate:.2f}) | "
                f"running worker {lien.rate:7.0f} msg/s ({lien.rate / base.rate:.2f})"
                f"{'  (goal >= 1000 msg/s per worker)' if latency == 0 else ''}",
                flush=True,
            )
        remote.set_latency(0.0)
        url = database_url or scratch_sqlite("dispatch-unlimited")
        free = await dispatch_all(url, api_url, count, rate=None)
        print(
            f"latency   0 ms: running worker, channel without a rate limit {free.rate:7.0f} msg/s: "
            f"the shared rate bucket costs {(1 - lien_at_zero.rate / free.rate) * 100:+.0f} %",
            flush=True,
        )
        for configured in (10.0, 100.0, 500.0):
            remote.reset()
            # Ten seconds of sending at each rate (three when quick).
            paced_count = int(configured * (3 if quick else 10))
            url = database_url or scratch_sqlite(f"dispatch-rate-{configured:.0f}")
            paced = await dispatch_all(url, api_url, paced_count, rate=configured)
            moments = sorted(
                c["at"]
                for c in remote.calls(service="twilio", method="create")
                if c["status"] == 201
            )
            pace = steady_rate(moments)
            drift = (pace - configured) / configured * 100
            print(
                f"rate limit {configured:.0f}/s over {paced_count} messages: pace from the 20th "
                f"to the 90th percentile of calls {pace:.1f}/s ({drift:+.2f} %, goal within 2 %); "
                f"busiest second {busiest_second(moments)} calls; start to all recorded "
                f"{paced.rate:.1f}/s",
                flush=True,
            )
    finally:
        stop(provider)
