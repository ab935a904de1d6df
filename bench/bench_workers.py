"""Scale-out: 1 then 4 `lien worker` processes on one PostgreSQL, sharing one outbox.

The fake provider runs as its own process. Messages are queued first and the channel is held
paused until every worker is up, so all runs start from the same instant. Throughput is counted
from that instant to the provider's last accepted call; a duplicate is a second provider message
for one recipient. Baseline: one worker, in the same run. Three cases: the provider answering at
once and in 50 ms with 100 calls at once per worker (a worker is then held back by its CPU), and
in 50 ms with 10 calls at once (held back by the provider: at most 200/s per worker). On a
machine with few cores, more workers only add throughput in the last case: the figures print
each worker's CPU per message to show it. Then four workers under a global rate limit, where
the aggregate pace is what must hold.
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import (
    busiest_second,
    free_port,
    queue_all,
    spawn_fake_provider,
    steady_rate,
    stop,
)
from bench.processes import (
    DEFAULT_PG,
    duplicates,
    hold_channel,
    lien_env,
    log_folder,
    release_channel,
    start_workers,
    terminate,
)
from db.models import Message
from db.session import create_sessionmaker
from fakeprovider import RemoteFakeProvider
from gateway import statuses

UNLIMITED = 1_000_000.0


@dataclass(frozen=True)
class Run:
    workers: int
    messages: int
    seconds: float
    duplicates: int
    unsent: int
    moments: tuple[float, ...]
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


async def pending(engine: AsyncEngine) -> int:
    async with create_sessionmaker(engine)() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.status.in_([statuses.QUEUED, statuses.SENDING]))
        )
    return int(count or 0)


async def drained(engine: AsyncEngine, *, every: float = 0.1) -> None:
    """Return once no message is queued or being sent."""
    while True:
        if not await pending(engine):
            return
        await asyncio.sleep(every)


async def not_sent(engine: AsyncEngine) -> int:
    async with create_sessionmaker(engine)() as session:
        count = await session.scalar(
            select(func.count()).select_from(Message).where(Message.status != statuses.SENT)
        )
    return int(count or 0)


async def one_run(
    url: str,
    remote: RemoteFakeProvider,
    *,
    workers: int,
    count: int,
    rate: float,
    latency: float,
    concurrency: int = 100,
) -> Run:
    remote.reset()
    remote.set_latency(latency)
    engine = await queue_all(url, count)
    await hold_channel(engine, "sms")
    logs = log_folder(f"workers-{workers}")
    env = lien_env(
        url,
        remote.url,
        rate_sms=rate,
        dispatch_poll_seconds=0.05,
        dispatch_concurrency=concurrency,
    )
    cpu_before = _children_cpu()
    fleet = start_workers(env, workers, logs)
    try:
        started = time.time()
        await release_channel(engine, "sms")
        await drained(engine)
        calls = [c for c in remote.calls(service="twilio", method="create") if c["status"] == 201]
        moments = sorted(c["at"] for c in calls)
        created = remote.messages()["twilio"]
        run = Run(
            workers=workers,
            messages=len(calls),
            seconds=moments[-1] - started,
            duplicates=duplicates(created),
            unsent=await not_sent(engine),
            moments=tuple(moments),
        )
    finally:
        terminate(fleet)
        await engine.dispose()
    # The workers' own CPU time, start-up included: what each message costs, however many.
    return replace(run, cpu_seconds=_children_cpu() - cpu_before)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def describe(run: Run) -> str:
    return (
        f"{run.workers} worker{'s' if run.workers > 1 else ''}: {run.messages} messages in "
        f"{run.seconds:.2f} s = {run.rate:6.0f} msg/s | duplicates {run.duplicates} | "
        f"not sent {run.unsent} | workers' CPU {run.cpu_seconds:.1f} s "
        f"({run.cpu_seconds / run.messages * 1000:.2f} s per 1,000)"
    )


async def run(*, quick: bool, database_url: str | None) -> None:
    url = database_url or DEFAULT_PG
    if not url.startswith("postgresql"):
        raise SystemExit("bench_workers needs PostgreSQL (--database-url postgresql+asyncpg://…)")
    count = 2000 if quick else 10_000
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    provider = spawn_fake_provider(port)
    remote = RemoteFakeProvider(api_url, timeout=60)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} before the runs", flush=True)
    try:
        # Where one worker is held back by its CPU (100 calls at once), and where it is held
        # back by the provider's answers (10 calls at once, 50 ms each: at most 200/s).
        for latency, concurrency, size in (
            (0.0, 100, count),
            (0.05, 100, count),
            (0.05, 10, count // 2),
        ):
            runs = []
            label = f"latency {latency * 1000:3.0f} ms, {concurrency:3d} calls at once"
            for workers in (1, 4):
                done = await one_run(
                    url,
                    remote,
                    workers=workers,
                    count=size,
                    rate=UNLIMITED,
                    latency=latency,
                    concurrency=concurrency,
                )
                runs.append(done)
                print(f"{label}, {describe(done)}", flush=True)
            print(
                f"{label}: 4 workers / 1 worker = {runs[1].rate / runs[0].rate:.2f}x (goal >= 3x)",
                flush=True,
            )
        configured = 300.0
        paced_count = int(configured * (4 if quick else 10))
        paced = await one_run(
            url, remote, workers=4, count=paced_count, rate=configured, latency=0.0
        )
        steady = steady_rate(paced.moments)
        drift = (steady - configured) / configured * 100
        print(
            f"global rate limit {configured:.0f}/s, {describe(paced)}\n"
            f"  pace from the 20th to the 90th percentile of calls {steady:.1f}/s "
            f"({drift:+.2f} %, goal within 2 %); busiest second "
            f"{busiest_second(paced.moments)} calls",
            flush=True,
        )
    finally:
        remote.close()
        stop(provider)
