"""The dispatcher: claims due messages, applies the policy, sends, and records what happened.

A message is marked `sending` (the attempt recorded and committed) before its provider is
called. A crash after that leaves it `sending` with a lease; whoever finds the lease expired
marks it `unknown`, to be reconciled by a provider report, never sent a second time.

A running dispatcher does not wait for a whole batch to be answered before claiming more: each
send holds only its own slot (see `gateway.inflight`), so one slow answer holds back nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from db.base import utcnow
from db.session import SessionMaker, transaction
from gateway.channels.base import Channel, SendResult
from gateway.claim import Claim, Claimed, Lease, claim_due
from gateway.file_links import FileLinks
from gateway.inflight import Flight
from gateway.outcomes import Recorded, record_outcomes
from gateway.ratelimit import RateLimits
from gateway.writers import Writers

log = logging.getLogger(__name__)
# How long a finished send waits for others before their outcomes are written down together.
RECORD_DELAY = 0.05


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class DispatcherConfig:
    batch_size: int = 200
    lease_seconds: float = 120.0
    max_attempts: int = 8
    poll_interval: float = 0.5
    concurrency: int = 100
    owner: str = field(default_factory=default_owner)


@dataclass(frozen=True)
class Pass:
    """What one dispatcher pass did; `wait` is how long a channel out of tokens should rest."""

    sent: int
    decided: int
    waiting_for_rate: bool
    wait: float = 0.0


class Dispatcher:
    def __init__(
        self,
        *,
        sessionmaker: SessionMaker,
        channels: Mapping[str, Channel],
        limits: RateLimits,
        config: DispatcherConfig | None = None,
        writers: Writers | None = None,
        links: FileLinks | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        # What links a file to the SMS sent instead of a blocked Telegram message; the app's
        # wiring sets it, the settings that make it being the app's.
        self.links = links
        self.writers = writers or Writers(single_writer=False)
        self.channels = dict(channels)
        self.limits = limits
        self.config = config or DispatcherConfig()
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run_forever(self) -> None:
        """Claim, send and record until stopped; a clean stop lets the sends under way end."""
        flight: Flight[Claimed] = Flight(
            # As many claimed and waiting for a slot as there are slots: enough to keep every
            # slot busy, few to lose to a crash (a claimed message then comes back `unknown`).
            window=2 * self.config.concurrency,
            concurrency=self.config.concurrency,
            batch=self.config.batch_size,
        )
        loop = asyncio.get_running_loop()
        claim_at = 0.0
        while not self._stopping:
            self._wake.clear()
            try:
                if flight.has_finished and loop.time() >= flight.first_finished_at + RECORD_DELAY:
                    await self._record_finished(flight)
                if loop.time() >= claim_at and flight.worth_claiming():
                    began = loop.time()
                    # A wait for tokens counts from the claim, not from the end of the step.
                    claim_at = began + await self._claim_and_launch(flight)
            except Exception:
                log.exception("dispatcher pass failed")
                claim_at = loop.time() + 1.0
            if await self._rest(flight, until=claim_at):
                claim_at = 0.0  # woken: something was queued, look now
        await flight.drain()
        await self._record(flight.take_finished())

    async def _record_finished(self, flight: Flight[Claimed]) -> None:
        finished = flight.take_finished()
        try:
            await self._record(finished)
        except Exception:
            flight.restore(finished)
            raise

    async def _claim_and_launch(self, flight: Flight[Claimed]) -> float:
        """Claim what fits and start sending it; return how long until the next claim."""
        claim = await self._claim(utcnow(), limit=min(self.config.batch_size, flight.free))
        flight.launch(claim.items, self._send_one, thread=_thread)
        if claim.wait is not None:
            return claim.wait
        return 0.0 if claim.decided or claim.items else self.config.poll_interval

    async def _rest(self, flight: Flight[Claimed], *, until: float) -> bool:
        """Wait for the next claim, outcomes to record, or a wake-up; say if it was a wake-up.

        Outcomes wait a moment for others and are written down together: a crash meanwhile
        loses no more than that moment's worth. A send that ends frees a slot: when that makes
        a claim worth it, the loop claims at once.
        """
        now = asyncio.get_running_loop().time()
        flight.changed.clear()
        if flight.worth_claiming():
            seconds, events = until - now, [self._wake]
        else:
            seconds, events = self.config.poll_interval, [self._wake, flight.changed]
        if flight.has_finished:
            seconds = min(seconds, flight.first_finished_at + RECORD_DELAY - now)
        await _first(*events, seconds=seconds)
        return self._wake.is_set()

    async def _send_one(self, item: Claimed) -> SendResult:
        return await self.channels[item.channel].send(item.envelope)

    async def _record(
        self, finished: list[tuple[Claimed, SendResult]], *, now: datetime | None = None
    ) -> None:
        if not finished:
            return
        async with self.writers.turn(), transaction(self.sessionmaker) as session:
            recorded = [Recorded(c.envelope.message_id, c.channel, r) for c, r in finished]
            await record_outcomes(
                session,
                recorded,
                now=now or utcnow(),
                max_attempts=self.config.max_attempts,
                links=self.links,
            )

    async def run_once(self, *, now: datetime | None = None) -> Pass:
        """Claim a batch, send it, record the outcomes."""
        claim = await self._claim(now or utcnow())
        if claim.items:
            await self._record(await self._send_all(claim.items), now=now)
        sent = len(claim.items)
        waiting = claim.wait is not None
        return Pass(sent, claim.decided + sent, waiting, claim.wait or 0.0)

    async def _send_all(self, claimed: list[Claimed]) -> list[tuple[Claimed, SendResult]]:
        gate = asyncio.Semaphore(self.config.concurrency)
        # One person's messages leave one after the other, in queue order: an answer and the
        # next question of a conversation must not cross on the way. People go in parallel.
        threads: dict[tuple[str, str], list[Claimed]] = {}
        for item in claimed:
            threads.setdefault((item.channel, item.envelope.address), []).append(item)

        async def thread(items: list[Claimed]) -> list[tuple[Claimed, SendResult]]:
            results = []
            for item in items:
                async with gate:
                    results.append((item, await self.channels[item.channel].send(item.envelope)))
            return results

        sent = await asyncio.gather(*(thread(items) for items in threads.values()))
        return [result for results in sent for result in results]

    async def _claim(self, now: datetime, *, limit: int | None = None) -> Claim:
        async with self.writers.turn(), transaction(self.sessionmaker) as session:
            return await claim_due(
                session,
                channels=list(self.channels),
                limits=self.limits,
                lease=Lease(self.config.owner, self.config.lease_seconds),
                now=now,
                limit=limit or self.config.batch_size,
            )


def _thread(item: Claimed) -> tuple[str, str]:
    """Messages to one address on one channel leave in queue order."""
    return item.channel, item.envelope.address


async def _first(*events: asyncio.Event, seconds: float) -> None:
    """Wait until one of the events is set, or for that many seconds."""
    if seconds <= 0 or any(event.is_set() for event in events):
        return
    waits = [asyncio.create_task(event.wait()) for event in events]
    _, pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
