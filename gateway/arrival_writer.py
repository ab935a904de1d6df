"""Webhooks' arrivals stored together: those waiting share one transaction and one commit.

A webhook is answered only once its arrival is committed. While one batch commits, the
webhooks that come meanwhile wait for the next one: under load a commit carries many arrivals,
and a webhook costs its request, not a transaction of its own. Arrivals go in in the order the
webhooks came, in one statement per batch, so one person's messages keep their order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from db.session import SessionMaker, transaction
from gateway.arrivals import arrival_values, store_arrivals
from gateway.channels.base import InboundMessage
from gateway.writers import Writers

log = logging.getLogger(__name__)

Waiting = tuple[dict[str, Any], "asyncio.Future[bool]"]


class ArrivalWriter:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        writers: Writers,
        *,
        clock: Callable[[], datetime],
        max_batch: int = 200,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._writers = writers
        self._clock = clock
        self._max_batch = max_batch
        self._waiting: list[Waiting] = []
        self._flusher: asyncio.Task[None] | None = None
        self.commits = 0

    async def store(self, inbound: InboundMessage) -> bool:
        """Store one arrival, stamped now, and return once it is committed; False for a repeat.

        Raise ValueError at once for a message that cannot be stored (nothing is queued).
        """
        values = arrival_values(inbound, now=self._clock())
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((values, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush(), name="arrival-writer")
        return await future

    async def _flush(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._commit(batch)
        finally:
            self._flusher = None

    async def _commit(self, batch: list[Waiting]) -> None:
        try:
            async with self._writers.turn(), transaction(self._sessionmaker) as session:
                stored = await store_arrivals(session, [values for values, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], error=exc)
                return
            # One arrival's fault must not refuse the others: each is tried alone.
            log.warning("arrival batch refused, storing one by one", exc_info=True)
            for item in batch:
                await self._commit([item])
            return
        self.commits += 1
        for (_, future), went_in in zip(batch, stored, strict=True):
            _settle(future, result=went_in)


def _settle(
    future: asyncio.Future[bool], *, result: bool = False, error: Exception | None = None
) -> None:
    if future.done():  # its webhook was cancelled; the arrival stands (or a retry brings it)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
