"""Writers of one process taking turns in order, rather than racing for the database.

SQLite has one write lock, and its waiters poll for it with growing sleeps (up to 100 ms),
in no particular order: a webhook could wait behind a sleep, or overtake an earlier one of the
same person. On SQLite every transaction of the webhooks, the inbound consumers and the
dispatcher therefore queues for one asyncio lock, which hands over at once and first come,
first served. On PostgreSQL writers run at once. Arrivals keep their order another way: one
writer per process stores them in batches, in the order the webhooks came
(`gateway.arrival_writer`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class Writers:
    def __init__(self, *, single_writer: bool) -> None:
        self._all = asyncio.Lock() if single_writer else None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this process's turn to write, where the database has a single writer."""
        if self._all is None:
            yield
            return
        async with self._all:
            yield
