"""Inbound SMS answered by the accueil flow, against a bare INSERT endpoint.

Each simulated newcomer walks the accueil by SMS (greeting, language, first name, need, two
urgency questions, orientation with the directory): every request is a real flow step that
queues answers, and Lien's dispatcher sends them meanwhile to a fake Twilio in its own process.
Figures: webhook throughput with 16 people writing at once (each waits for the webhook's answer
before the next message), then, paced at 25 and at 100 requests/s, the webhook's p99 and the
reply latency (webhook stored → answer handed to Twilio) p50/p99; and whether every answer went
out and every conversation ended, as scripted, in an urgent shelter ticket. On PostgreSQL,
`lien serve` only stores and two `lien worker` processes handle the messages and send.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from sqlalchemy import func, select

from bench.bench_inbound import paced
from bench.common import (
    ROOT,
    TWILIO_TOKEN,
    SignedRequest,
    free_port,
    fresh_database,
    lien_env,
    percentile,
    scratch_sqlite,
    signed_sms,
    spawn_bare_endpoint,
    spawn_fake_provider,
    spawn_lien,
    stop,
)
from bench.reply_latency import reply_latencies
from db.models import TriageTicket
from db.session import create_engine
from fakeprovider import RemoteFakeProvider

# Bonjour → language → first name → shelter → no bed tonight → not a minor alone.
SCRIPT = ("Bonjour", "1", "Amina", "1", "2", "2")
ANSWERS_PER_PERSON = 9
PACED_RATES = (25.0, 100.0)
WORKERS_ON_POSTGRESQL = 2


def conversation(base: str, path: str, person: int) -> list[SignedRequest]:
    """Return one person's messages, in order, signed for Lien's public URL."""
    phone = f"+336{30000000 + person:08d}"
    return [
        signed_sms(base + path, f"SM{person:026d}{step:06d}", phone, text)
        for step, text in enumerate(SCRIPT)
    ]


async def _send(session: aiohttp.ClientSession, request: SignedRequest) -> None:
    url, params, headers = request
    async with session.post(url, data=params, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


async def throughput(people: Sequence[list[SignedRequest]], concurrency: int) -> float:
    """Requests per second, each person sending their next message once answered."""
    waiting = list(reversed(people))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            while waiting:
                for request in waiting.pop():
                    await _send(session, request)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return sum(len(p) for p in people) / (time.perf_counter() - started)


def interleaved(people: Sequence[list[SignedRequest]]) -> list[SignedRequest]:
    """Return everyone's first message, then everyone's second…: each person in order."""
    return [person[step] for step in range(len(SCRIPT)) for person in people]


async def measure(base: str, path: str, *, first: int, people: int) -> float:
    """Throughput of `people` conversations, 16 people at a time."""
    return await throughput([conversation(base, path, first + n) for n in range(people)], 16)


def phones(first: int, count: int) -> list[str]:
    return [f"+336{30000000 + person:08d}" for person in range(first, first + count)]


@dataclass(frozen=True)
class Paced:
    rate: float
    webhook_p99_ms: float
    reply_p50_ms: float
    reply_p99_ms: float
    replies: int


async def paced_phase(
    url: str,
    base: str,
    provider: RemoteFakeProvider,
    *,
    first: int,
    people: int,
    rate: float,
    expected: int,
) -> Paced:
    """Everyone's first message, then everyone's second…, at `rate`; then their reply latency."""
    crowd = [conversation(base, "/webhooks/twilio", first + n) for n in range(people)]
    latencies = await paced(interleaved(crowd), rate)
    await drained(provider, expected, patience=120)
    replies = await reply_latencies(url, phones(first, people))
    return Paced(
        rate,
        percentile(latencies, 0.99) * 1000,
        percentile(replies, 0.5) * 1000,
        percentile(replies, 0.99) * 1000,
        len(replies),
    )


async def drained(provider: RemoteFakeProvider, expected: int, *, patience: float) -> float:
    """Wait until the fake Twilio holds `expected` messages; return how long it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < patience:
        if len((await asyncio.to_thread(provider.messages))["twilio"]) >= expected:
            break
        await asyncio.sleep(0.25)
    return time.perf_counter() - started


async def urgent_tickets(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).where(TriageTicket.priority == "urgent")
            return int((await connection.execute(query)).scalar() or 0)
    finally:
        await engine.dispose()


def lien_processes(
    url: str, lien_base: str, port: int, fake_url: str
) -> list[subprocess.Popen[bytes]]:
    """`lien serve`; on PostgreSQL it only stores, and two `lien worker` handle and send."""
    env = {**lien_env(url, lien_base, twilio_api_url=fake_url), "LIEN_RATE_SMS": "500"}
    workers = WORKERS_ON_POSTGRESQL if url.startswith("postgresql") else 0
    serve_env = {**env, "LIEN_INBOUND_CONSUMERS": "0"} if workers else env
    processes = [spawn_lien(port, serve_env)]
    for _ in range(workers):
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "lien.cli", "worker"],
                env={**os.environ, **env},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return processes


async def run(*, quick: bool, database_url: str | None) -> None:
    url = database_url or scratch_sqlite("accueil")
    engine = await fresh_database(url)
    await engine.dispose()
    # 240 people at once, then 60 paced at 25 and 60 at 100 requests/s: 360 conversations.
    people, paced_people = (20, 10) if quick else (240, 60)
    fake_port, lien_port, bare_port = free_port(), free_port(), free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    lien_base = f"http://127.0.0.1:{lien_port}"
    fake = spawn_fake_provider(fake_port, "--twilio-token", TWILIO_TOKEN)
    lien = lien_processes(url, lien_base, lien_port, fake_url)
    bare = spawn_bare_endpoint(url, bare_port)
    total = people + 2 * paced_people
    phases: list[Paced] = []
    try:
        base_rate = await measure(
            f"http://127.0.0.1:{bare_port}", "/ingest", first=0, people=people
        )
        stop(bare)
        lien_rate = await measure(lien_base, "/webhooks/twilio", first=0, people=people)
        with RemoteFakeProvider(fake_url) as provider:
            await drained(provider, people * ANSWERS_PER_PERSON, patience=120)
            first = people
            for rate in PACED_RATES:
                first_answers = (first + paced_people) * ANSWERS_PER_PERSON
                phases.append(
                    await paced_phase(
                        url,
                        lien_base,
                        provider,
                        first=first,
                        people=paced_people,
                        rate=rate,
                        expected=first_answers,
                    )
                )
                first += paced_people
            sent = len(provider.messages()["twilio"])
    finally:
        for process in lien:
            stop(process)
        stop(bare)
        stop(fake)
    tickets = await urgent_tickets(url)
    workers = len(lien) - 1
    print(
        f"database: {url.split('://')[0]}; {total} people x {len(SCRIPT)} messages; "
        f"{'lien serve + ' + str(workers) + ' lien worker' if workers else 'one lien serve'}"
    )
    print(f"bare INSERT endpoint        : {base_rate:7.0f} req/s (16 people at once)")
    print(
        f"Lien webhook, accueil behind: {lien_rate:7.0f} req/s   "
        f"ratio {lien_rate / base_rate:.2f} (goal >= 0.7)"
    )
    for phase in phases:
        print(
            f"at {phase.rate:5.0f} req/s: webhook p99 {phase.webhook_p99_ms:7.1f} ms; reply "
            f"latency p50 {phase.reply_p50_ms:7.1f} ms, p99 {phase.reply_p99_ms:7.1f} ms "
            f"({phase.replies} replies)"
        )
    answers_ok = sent == total * ANSWERS_PER_PERSON
    print(
        f"answers sent to the fake Twilio: {sent}/{total * ANSWERS_PER_PERSON} "
        f"({'as scripted' if answers_ok else 'NOT as scripted'}); "
        f"urgent shelter tickets: {tickets}/{total} "
        f"({'as scripted' if tickets == total else 'NOT as scripted'})"
    )
