"""Writers of one process taking turns in order, rather than racing for the database.

SQLite has one write lock, and its waiters poll for it with growing sleeps (up to 100 ms),
in no particular order: a webhook could wait behind a sleep, or overtake an earlier one of the
same person. On SQLite every transaction of the webhooks, the inbound consumers and the
dispatcher therefore queues for one asyncio lock, which hands over at once and first come,
first served. On PostgreSQL writers run at once; only one person's arrivals queue, so that
they get their sequence numbers, and commit, in the order they came.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Hashable


class Writers:
    def __init__(self, *, single_writer: bool) -> None:
        self._all = asyncio.Lock() if single_writer else None
        self._senders: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this process's turn to write, where the database has a single writer."""
        if self._all is None:
            yield
            return
        async with self._all:
            yield

    @contextlib.asynccontextmanager
    async def sender_turn(self, sender: Hashable) -> AsyncIterator[None]:
        """Wait behind the same sender's earlier arrivals in this process, then for a turn."""
        lock, users = self._senders.get(sender, (asyncio.Lock(), 0))
        self._senders[sender] = (lock, users + 1)
        try:
            async with lock, self.turn():
                yield
        finally:
            lock, users = self._senders[sender]
            if users == 1:
                del self._senders[sender]
            else:
                self._senders[sender] = (lock, users - 1)
