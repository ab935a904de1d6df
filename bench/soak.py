"""Soak: `lien serve` killed with SIGKILL again and again while it sends to a faulty provider.

The fake Twilio and Telegram answer with random faults (timeouts, 5xx, 429 with retry_after,
21610, 403, slow answers, dropped connections) and post status callbacks late, shuffled or not
at all; callbacks sent while Lien is down are lost. Afterwards every message must be final or
sent, none sent twice, in a time compared to the ideal one the rate limits set.

    python -m bench.soak [--recipients 10000] [--reminders 2000] [--kills 8] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import free_port, fresh_database, scratch_sqlite, spawn_fake_provider, stop
from bench.processes import kill, lien_env, log_folder, start_server, terminate
from bench.soak_load import Load, queue_load
from bench.soak_report import Outcome, account
from db.models import Message
from db.session import create_sessionmaker
from fakeprovider import Fault, RemoteFakeProvider
from gateway import statuses

# Odds per sending call; what is left answers normally.
TWILIO_FAULTS = [
    (0.03, Fault.http_status(503)),
    (0.02, Fault.twilio_error(20429)),
    (0.01, Fault.twilio_error(21610)),
    (0.01, Fault.drop()),
    (0.01, Fault.drop_after_send()),
    (0.02, Fault.delay(0.3)),
    (0.01, Fault.delay(4.0)),  # longer than the provider timeout: sent, outcome unknown
    (0.02, Fault.undelivered()),
]
TELEGRAM_FAULTS = [
    (0.005, Fault.telegram_retry_after(1)),
    (0.01, Fault.telegram_blocked()),
    (0.02, Fault.http_status(502)),
    (0.01, Fault.drop()),
    (0.01, Fault.drop_after_send()),
    (0.02, Fault.delay(0.3)),
    (0.005, Fault.delay(6.0)),  # longer than python-telegram-bot's 5 s read timeout
]


@dataclass(frozen=True)
class SoakPlan:
    recipients: int
    reminders: int
    kills: int
    telegram_share: float = 0.3
    # Above what an association's account allows (10/s by default), below what one process
    # can answer status callbacks for on a small shared machine (two per SMS).
    rate_sms: float = 40.0
    rate_telegram: float = 20.0
    seed: int = 7
    lease_seconds: float = 10.0
    provider_timeout: float = 3.0
    callback_delay: float = 0.2
    callback_drop_rate: float = 0.05


QUICK = SoakPlan(recipients=600, reminders=120, kills=5)
FULL = SoakPlan(recipients=10_000, reminders=2_000, kills=8)


@dataclass
class Run:
    load: Load
    ideal: float
    seconds: float = 0.0
    downtime: float = 0.0
    kills: list[tuple[float, int]] = field(default_factory=list)
    outcome: Outcome = field(default_factory=Outcome)


def ideal_seconds(by_channel: dict[str, int], plan: SoakPlan) -> float:
    """The time the rate limits alone impose: the slowest channel's messages at its rate."""
    rates = {"sms": plan.rate_sms, "telegram": plan.rate_telegram}
    return max(count / rates[channel] for channel, count in by_channel.items())


async def _count(engine: AsyncEngine, *states: str) -> int:
    async with create_sessionmaker(engine)() as session:
        found = await session.scalar(
            select(func.count()).select_from(Message).where(Message.status.in_(states))
        )
    return int(found or 0)


async def _drained(engine: AsyncEngine) -> None:
    while True:
        if not await _count(engine, statuses.QUEUED, statuses.SENDING):
            return
        await asyncio.sleep(0.2)


def _provider(plan: SoakPlan) -> tuple[subprocess.Popen[bytes], RemoteFakeProvider]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = spawn_fake_provider(port)
    remote = RemoteFakeProvider(url, timeout=60)
    remote.set_random_faults(seed=plan.seed, twilio=TWILIO_FAULTS, telegram=TELEGRAM_FAULTS)
    remote.set_status_callbacks(
        delay=plan.callback_delay,
        drop_rate=plan.callback_drop_rate,
        order="shuffled",
        seed=plan.seed,
    )
    return process, remote


Server = subprocess.Popen[bytes]


async def _kill_and_restart(
    engine: AsyncEngine, run: Run, plan: SoakPlan, start: Server, restart: Callable[[], Server]
) -> Server:
    """Kill the server at random moments while it sends, restarting it each time."""
    rng = random.Random(plan.seed)
    server = start
    for _ in range(plan.kills):
        await asyncio.sleep(rng.uniform(0.3, 1.0) * run.ideal / (plan.kills + 1))
        kill(server)
        down = time.monotonic()
        in_flight = await _count(engine, statuses.SENDING)
        server = await asyncio.to_thread(restart)
        run.downtime += time.monotonic() - down
        run.kills.append((round(time.monotonic() - down, 2), in_flight))
    return server


async def soak(plan: SoakPlan, database_url: str | None) -> Run:
    url = database_url or scratch_sqlite("soak")
    engine = await fresh_database(url)
    load = await queue_load(
        engine,
        recipients=plan.recipients,
        reminders=plan.reminders,
        telegram_share=plan.telegram_share,
        seed=plan.seed,
    )
    run = Run(load, ideal_seconds(load.by_channel, plan))
    provider, remote = _provider(plan)
    port = free_port()
    env = lien_env(
        url,
        remote.url,
        telegram=True,
        public_url=f"http://127.0.0.1:{port}",
        rate_sms=plan.rate_sms,
        rate_telegram=plan.rate_telegram,
        dispatch_lease_seconds=plan.lease_seconds,
        dispatch_poll_seconds=0.1,
        provider_timeout_seconds=plan.provider_timeout,
    )
    logs = log_folder("soak")
    restarts = iter(range(1, 1000))

    def restart() -> Server:
        return start_server(env, port, logs / f"serve-{next(restarts)}.log")

    server = start_server(env, port, logs / "serve-0.log")
    started = time.monotonic()
    try:
        server = await _kill_and_restart(engine, run, plan, server, restart)
        await _drained(engine)
        run.seconds = time.monotonic() - started
        # Late callbacks for the last sends still come in: let them land.
        await asyncio.sleep(plan.callback_delay * 4 + 1.0)
    finally:
        terminate([server])
    try:
        run.outcome = await account(engine, remote)
    finally:
        remote.close()
        stop(provider)
        await engine.dispose()
    print(f"  logs: {logs}")
    return run


def describe(run: Run, plan: SoakPlan) -> list[str]:
    out = run.outcome
    channels = ", ".join(f"{c} {n}" for c, n in sorted(run.load.by_channel.items()))
    kills = ", ".join(f"{down:.1f} s down/{left} left sending" for down, left in run.kills)
    up = run.seconds - run.downtime
    return [
        f"{plan.recipients} recipients, {plan.reminders} reminders: {run.load.queued} messages "
        f"queued ({channels}); rates sms {plan.rate_sms:g}/s, telegram {plan.rate_telegram:g}/s",
        f"SIGKILL x{len(run.kills)}: {kills}",
        f"finished in {run.seconds:.1f} s = {run.seconds / run.ideal:.2f}x the ideal "
        f"{run.ideal:.1f} s; Lien was down {run.downtime:.1f} s of it (restarts), up "
        f"{up:.1f} s = {up / run.ideal:.2f}x the ideal",
        f"final statuses: {out.by_status}",
        f"lost {out.lost} | second provider messages {out.duplicates} | sent but recorded as "
        f"never sent {out.silent_sends} | failed without a reason {out.failed_without_reason}",
        f"unknown outcomes {out.went_unknown}: resolved by status callbacks "
        f"{out.resolved_by_reports}, by asking Twilio {out.resolved_by_lookup}; closed as never "
        f"received {out.closed_not_received} (wrongly: {out.not_received_but_created}); closed "
        f"as unconfirmed {out.closed_unconfirmed} (the provider had sent "
        f"{out.closed_but_created} of them)",
        f"provider calls refused or cut before sending, then retried or failed: "
        f"{out.refused_calls}; status callbacks {out.callbacks}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--recipients", type=int, default=FULL.recipients)
    parser.add_argument("--reminders", type=int, default=FULL.reminders)
    parser.add_argument("--kills", type=int, default=FULL.kills)
    parser.add_argument("--seed", type=int, default=FULL.seed)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    plan = replace(
        FULL, recipients=args.recipients, reminders=args.reminders, kills=args.kills, seed=args.seed
    )
    run = asyncio.run(soak(plan, args.database_url))
    print("\n".join(describe(run, plan)))


if __name__ == "__main__":
    main()
