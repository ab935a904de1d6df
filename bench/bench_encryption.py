"""Encrypted message bodies on the dispatcher's hot path.

Baseline: the same messages queued and dispatched with plaintext bodies, in the same run, to a
channel that answers at once (no network): what is left is the database work and the cipher.
"""

from __future__ import annotations

import time

from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import fresh_database, queue_for, scratch_sqlite, seed_people
from db.encryption import MessageKeys, use_message_keys
from db.session import create_sessionmaker
from gateway.channels.base import OutboundEnvelope, Outcome, SendResult
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.ratelimit import RateLimits

TEXT = "Rappel : l'atelier de français a lieu demain mardi à 14h30 au centre social."


class InstantChannel:
    name = "sms"

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, envelope: OutboundEnvelope) -> SendResult:
        return SendResult(Outcome.SENT, provider_id=f"SM{envelope.message_id}")


async def measure(url: str, count: int, keys: MessageKeys | None) -> tuple[float, float]:
    """Return seconds to queue and seconds to dispatch `count` messages."""
    engine: AsyncEngine = await fresh_database(url)
    use_message_keys(engine, keys)
    ids = await seed_people(engine, count)
    sessionmaker = create_sessionmaker(engine)
    started = time.perf_counter()
    await queue_for(sessionmaker, ids, text=TEXT)
    queued = time.perf_counter() - started
    dispatcher = Dispatcher(
        sessionmaker=sessionmaker,
        channels={"sms": InstantChannel()},
        limits=RateLimits({"sms": 1_000_000.0}),
        config=DispatcherConfig(batch_size=200),
    )
    sent = 0
    started = time.perf_counter()
    while sent < count:
        sent += (await dispatcher.run_once()).sent
    dispatched = time.perf_counter() - started
    await engine.dispose()
    return queued, dispatched


async def run(*, quick: bool, database_url: str | None) -> None:
    count = 1000 if quick else 10_000
    keys = MessageKeys.parse(Fernet.generate_key().decode())
    plain = await measure(database_url or scratch_sqlite("plain"), count, None)
    sealed = await measure(database_url or scratch_sqlite("sealed"), count, keys)
    for label, base, lien in (("queue", plain[0], sealed[0]), ("dispatch", plain[1], sealed[1])):
        print(
            f"{label:8} {count} messages: plaintext {count / base:7.0f} msg/s | "
            f"encrypted {count / lien:7.0f} msg/s | ratio {base / lien:.2f} (goal >= 0.8)"
        )
