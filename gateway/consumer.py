"""The inbound consumer: woken by a stored arrival, it handles the queue in short batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from db.base import utcnow
from db.session import SessionMaker, transaction
from gateway.arrivals import Batch, process_arrivals
from gateway.inbound import InboundRouter
from gateway.writers import Writers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerConfig:
    # Small batches: on SQLite a batch holds the write lock the webhooks also need.
    batch_size: int = 16
    # Another process's arrivals and retries that come due are seen at the next poll;
    # this process's own arrivals wake the consumer at once.
    poll_interval: float = 0.25
    # Webhooks being stored go first; a batch waits for them at most this long.
    give_way_seconds: float = 0.05


class InboundConsumer:
    """Handle stored arrivals in one transaction per batch; tell `on_replies` when some left."""

    def __init__(
        self,
        *,
        sessionmaker: SessionMaker,
        router: InboundRouter,
        on_replies: Callable[[], None],
        config: ConsumerConfig | None = None,
        writers: Writers | None = None,
    ) -> None:
        self.writers = writers or Writers(single_writer=False)
        self.sessionmaker = sessionmaker
        self.router = router
        self.on_replies = on_replies
        self.config = config or ConsumerConfig()
        self._wake = asyncio.Event()
        self._stopping = False
        self._arriving = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @contextlib.asynccontextmanager
    async def arriving(self) -> AsyncIterator[None]:
        """Mark a webhook being stored: batches end early and wait, so that it answers fast.

        On SQLite a batch holds the one write lock the webhook needs; everywhere, it holds
        the process's event loop. Twilio gives up after 15 s; a reply can wait a moment.
        """
        self._arriving += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._arriving -= 1
            if not self._arriving:
                self._quiet.set()

    def _give_way(self) -> bool:
        return self._arriving > 0

    def wake(self) -> None:
        """Look at the queue now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run_once(self, *, now: datetime | None = None) -> Batch:
        """Claim and handle one batch, committed before its replies are sent."""
        async with self.writers.turn(), transaction(self.sessionmaker) as session:
            batch = await process_arrivals(
                session,
                self.router,
                now=now or utcnow(),
                limit=self.config.batch_size,
                give_way=self._give_way,
            )
        if batch.replies:
            self.on_replies()
        return batch

    async def drain(self, *, now: datetime | None = None) -> int:
        """Handle everything due now; return how many arrivals were handled."""
        handled = 0
        while True:
            batch = await self.run_once(now=now)
            handled += batch.handled
            if batch.handled == 0:
                return handled

    async def run_forever(self) -> None:
        """Handle batches while there are some, then rest until woken or the next poll."""
        while not self._stopping:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), timeout=self.config.give_way_seconds)
            try:
                batch = await self.run_once()
            except Exception:
                log.exception("inbound consumer pass failed")
                await asyncio.sleep(1.0)
                continue
            if (batch.claimed >= self.config.batch_size or self._arriving) and batch.handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.config.poll_interval)
