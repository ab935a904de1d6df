"""Inbound SMS answered by the accueil flow, against a bare INSERT endpoint.

Each simulated newcomer walks the accueil by SMS (greeting, language, first name, need, two
urgency questions, orientation with the directory): every request is a real flow step that
queues answers, and Lien's dispatcher sends them meanwhile to a fake Twilio in its own process.
Figures: throughput with 16 people writing at once (each waits for its answer before the next
message), then p50/p99 latency at a paced 25 requests/s (far above a reception point's traffic,
and below saturation so that each person's messages stay in order), and whether every answer
went out and every conversation ended in an urgent shelter ticket.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import aiohttp
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bench.bench_inbound import Figures, paced
from bench.common import free_port, fresh_database, percentile, scratch_sqlite, spawn, stop
from db.models import TriageTicket
from db.session import create_engine
from fakeprovider import RemoteFakeProvider

SID = "AC" + "0" * 32
TOKEN = "bench-token"
# Bonjour → language → first name → shelter → no bed tonight → not a minor alone.
SCRIPT = ("Bonjour", "1", "Amina", "1", "2", "2")
ANSWERS_PER_PERSON = 9
PACED_RATE = 25.0
Request = tuple[str, dict[str, str], dict[str, str]]


def conversation(base: str, path: str, person: int) -> list[Request]:
    """Return one person's messages, in order, signed for Lien's public URL."""
    validator = RequestValidator(TOKEN)
    phone = f"+336{30000000 + person:08d}"
    requests = []
    for step, text in enumerate(SCRIPT):
        params = {
            "MessageSid": f"SM{person:026d}{step:06d}",
            "AccountSid": SID,
            "From": phone,
            "To": "+33700000000",
            "Body": text,
            "NumMedia": "0",
        }
        signature = validator.compute_signature(base + path, params)
        requests.append((base + path, params, {"X-Twilio-Signature": signature}))
    return requests


async def _send(session: aiohttp.ClientSession, request: Request) -> None:
    url, params, headers = request
    async with session.post(url, data=params, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


async def throughput(people: Sequence[list[Request]], concurrency: int) -> float:
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


def interleaved(people: Sequence[list[Request]]) -> list[Request]:
    """Return everyone's first message, then everyone's second…: each person in order."""
    return [person[step] for step in range(len(SCRIPT)) for person in people]


async def measure(base: str, path: str, *, first: int, people: int, paced_people: int) -> Figures:
    crowd = [conversation(base, path, first + n) for n in range(people)]
    rate = await throughput(crowd, 16)
    later = [conversation(base, path, first + people + n) for n in range(paced_people)]
    latencies = await paced(interleaved(later), PACED_RATE)
    return Figures(rate, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000)


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


async def run(*, quick: bool, database_url: str | None) -> None:
    url = database_url or scratch_sqlite("accueil")
    engine = await fresh_database(url)
    await engine.dispose()
    people, paced_people = (30, 10) if quick else (300, 60)
    fake_port, lien_port, bare_port = free_port(), free_port(), free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    lien_base = f"http://127.0.0.1:{lien_port}"
    fake = spawn(
        ["-m", "fakeprovider", "--port", str(fake_port), "--twilio-token", TOKEN],
        env={},
        ready_url=f"{fake_url}/_fake/health",
    )
    lien = spawn(
        ["-m", "lien.cli", "serve", "--port", str(lien_port)],
        env={
            "LIEN_DATABASE_URL": url,
            "LIEN_PUBLIC_URL": lien_base,
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "LIEN_TWILIO_FROM": "+33700000000",
            "LIEN_TWILIO_API_URL": fake_url,
            "LIEN_RATE_SMS": "500",
            "LIEN_LOG_LEVEL": "WARNING",
        },
        ready_url=f"{lien_base}/healthz",
    )
    bare = spawn(
        [
            "-m",
            "uvicorn",
            "bench.baseline_app:app",
            "--port",
            str(bare_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={"BENCH_DATABASE_URL": url},
        ready_url=f"http://127.0.0.1:{bare_port}/healthz",
    )
    total = people + paced_people
    try:
        base_fig = await measure(
            f"http://127.0.0.1:{bare_port}",
            "/ingest",
            first=0,
            people=people,
            paced_people=paced_people,
        )
        lien_fig = await measure(
            lien_base, "/webhooks/twilio", first=0, people=people, paced_people=paced_people
        )
        with RemoteFakeProvider(fake_url) as provider:
            waited = await drained(provider, total * ANSWERS_PER_PERSON, patience=60)
            sent = len(provider.messages()["twilio"])
    finally:
        stop(lien)
        stop(bare)
        stop(fake)
    tickets = await urgent_tickets(url)
    print(f"database: {url.split('://')[0]}; {total} people x {len(SCRIPT)} messages")
    print(
        f"bare INSERT endpoint          : {base_fig.throughput:7.0f} req/s   "
        f"p50 {base_fig.p50_ms:6.1f} ms   p99 {base_fig.p99_ms:6.1f} ms (at {PACED_RATE:g} req/s)"
    )
    print(
        f"Lien webhook + accueil flow   : {lien_fig.throughput:7.0f} req/s   "
        f"p50 {lien_fig.p50_ms:6.1f} ms   p99 {lien_fig.p99_ms:6.1f} ms (at {PACED_RATE:g} req/s)"
    )
    print(
        f"answers sent to the fake Twilio: {sent}/{total * ANSWERS_PER_PERSON} "
        f"({waited:.1f} s after the load); urgent shelter tickets: {tickets}/{total}"
    )
    print(
        f"ratio Lien/baseline throughput: {lien_fig.throughput / base_fig.throughput:.2f}; "
        f"p99 goal < 50 ms: {'met' if lien_fig.p99_ms < 50 else 'NOT met'}"
    )
