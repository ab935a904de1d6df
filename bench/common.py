"""What the benchmarks share: servers in their own processes, seeded people, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.request_validator import RequestValidator

from db.base import utcnow
from db.migrate import upgrade
from db.models import Beneficiary, ContactPoint
from db.session import SessionMaker, create_engine, create_sessionmaker, transaction
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, Priority, queue_messages
from gateway.records import ensure_organisation

ROOT = Path(__file__).resolve().parent.parent
# The Twilio account of the benches' `lien serve`, which checks every webhook's signature.
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "bench-token"
# A webhook ready to post: its URL, its form fields and its headers.
SignedRequest = tuple[str, dict[str, str], dict[str, str]]


def scratch_sqlite(name: str) -> str:
    folder = Path(tempfile.mkdtemp(prefix=f"lien-bench-{name}-"))
    return f"sqlite+aiosqlite:///{folder / 'bench.db'}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(args: Sequence[str], *, env: dict[str, str], ready_url: str) -> subprocess.Popen[bytes]:
    """Start a server process and wait until it answers."""
    process = subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(ready_url, timeout=1).status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start: {' '.join(args)}")


def lien_env(
    database_url: str, public_url: str, *, twilio_api_url: str = "http://127.0.0.1:9"
) -> dict[str, str]:
    """Return the environment of a `lien serve` on this database, with the benches' Twilio."""
    return {
        "LIEN_DATABASE_URL": database_url,
        "LIEN_PUBLIC_URL": public_url,
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "LIEN_TWILIO_FROM": "+33700000000",
        "LIEN_TWILIO_API_URL": twilio_api_url,
        "LIEN_LOG_LEVEL": "WARNING",
    }


def spawn_lien(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `lien serve` on this port and wait until it answers."""
    return spawn(
        ["-m", "lien.cli", "serve", "--port", str(port)],
        env=env,
        ready_url=f"http://127.0.0.1:{port}/healthz",
    )


def signed_sms(
    url: str, message_sid: str, sender: str, body: str, *, jpeg: str | None = None
) -> SignedRequest:
    """Return an inbound SMS as Twilio posts it to `url`, signed with the benches' token.

    With `jpeg`, the media URL of a photo, it is an MMS carrying that one file.
    """
    params = {
        "MessageSid": message_sid,
        "AccountSid": TWILIO_SID,
        "From": sender,
        "To": "+33700000000",
        "Body": body,
        "NumMedia": "0" if jpeg is None else "1",
    }
    if jpeg is not None:
        params |= {"MediaUrl0": jpeg, "MediaContentType0": "image/jpeg"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    return url, params, {"X-Twilio-Signature": signature}


def spawn_fake_provider(port: int, *options: str) -> subprocess.Popen[bytes]:
    """Start the fake Twilio and Telegram on this port, in their own process, and wait for them."""
    return spawn(
        ["-m", "fakeprovider", "--port", str(port), *options],
        env={},
        ready_url=f"http://127.0.0.1:{port}/_fake/health",
    )


def spawn_bare_endpoint(database_url: str, port: int) -> subprocess.Popen[bytes]:
    """Start the baseline: an endpoint that only INSERTs what it is sent, on the same database."""
    return spawn(
        [
            "-m",
            "uvicorn",
            "bench.baseline_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={"BENCH_DATABASE_URL": database_url},
        ready_url=f"http://127.0.0.1:{port}/healthz",
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def fresh_database(url: str) -> AsyncEngine:
    """Create the schema from scratch (PostgreSQL: drop everything first)."""
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    return engine


async def seed_people(engine: AsyncEngine, count: int, *, channel: str = "sms") -> list[int]:
    """Insert people with one contact each, set-based; return their ids."""
    async with transaction(create_sessionmaker(engine)) as session:
        site = await ensure_organisation(
            session, slug="bench", name="Bench", site_slug="bench", site_name="Bench"
        )
        now = utcnow()
        result = await session.execute(
            insert(Beneficiary).returning(Beneficiary.id, sort_by_parameter_order=True),
            [
                {
                    "organisation_id": site.organisation_id,
                    "site_id": site.id,
                    "language": "fr",
                    "fields": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for _ in range(count)
            ],
        )
        ids = list(result.scalars())
        await session.execute(
            insert(ContactPoint),
            [
                {
                    "beneficiary_id": pid,
                    "channel": channel,
                    "address": f"+336{10000000 + i:08d}" if channel == "sms" else str(10_000 + i),
                    "opted_out": False,
                    "created_at": now,
                }
                for i, pid in enumerate(ids)
            ],
        )
    return ids


async def queue_all(url: str, count: int, *, text: str = "Rappel : atelier demain") -> AsyncEngine:
    """Start from an empty database and queue one SMS for each of `count` new people."""
    engine = await fresh_database(url)
    ids = await seed_people(engine, count)
    await queue_for(create_sessionmaker(engine), ids, text=text)
    return engine


async def queue_for(sessionmaker: SessionMaker, ids: Sequence[int], *, text: str) -> None:
    """Queue one reminder SMS for each of these people, a thousand per transaction."""
    for start in range(0, len(ids), 1000):
        async with transaction(sessionmaker) as session:
            await queue_messages(
                session,
                [
                    OutgoingMessage(
                        beneficiary_id=pid,
                        text=text,
                        origin=Origin("bench"),
                        priority=Priority.REMINDER,
                    )
                    for pid in ids[start : start + 1000]
                ],
            )


def steady_rate(moments: Sequence[float]) -> float:
    """The pace of sorted call times from the 20th to the 90th percentile.

    Away from the start, where a full bucket lets a burst go, and from the last calls.
    """
    first, last = len(moments) // 5, len(moments) - 1 - len(moments) // 10
    return (last - first) / (moments[last] - moments[first])


def busiest_second(moments: Sequence[float]) -> int:
    """The most sorted call times within any one-second window."""
    most, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most
