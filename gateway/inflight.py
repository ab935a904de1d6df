"""Sends under way in a running dispatcher: each starts once claimed, none waits for another.

A batch that waits for its slowest answer lets one provider timeout hold back every other
message for as long; here a slow call only keeps its own slot. Outcomes finishing close together
are recorded together, so the database still sees batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from functools import partial
from typing import Generic, TypeVar

from gateway.channels.base import Outcome, SendResult

log = logging.getLogger(__name__)
Item = TypeVar("Item")


class Flight(Generic[Item]):
    """Claimed messages not yet recorded: being sent, or sent and waiting to be written down."""

    def __init__(self, *, window: int, concurrency: int, batch: int) -> None:
        self.window = window
        self.batch = batch
        self.changed = asyncio.Event()
        self._gate = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._threads: dict[Hashable, asyncio.Task[None]] = {}
        self._finished: list[tuple[Item, SendResult]] = []
        self.first_finished_at = 0.0  # loop time of the oldest outcome not yet taken

    @property
    def free(self) -> int:
        """How many more messages may be claimed: sends under way or waiting for a slot count."""
        return self.window - len(self._tasks)

    @property
    def busy(self) -> bool:
        return bool(self._tasks or self._finished)

    @property
    def has_finished(self) -> bool:
        return bool(self._finished)

    def worth_claiming(self) -> bool:
        """Claim when half a batch (or half the window) fits, or when nothing is under way."""
        return self.free >= max(1, min(self.batch, self.window) // 2) or not self.busy

    def launch(
        self,
        items: list[Item],
        send: Callable[[Item], Awaitable[SendResult]],
        *,
        thread: Callable[[Item], Hashable],
    ) -> None:
        """Start sending; items of one thread (one person on one channel) go one after another."""
        for item in items:
            key = thread(item)
            task = asyncio.create_task(self._send(item, send, after=self._threads.get(key)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._threads[key] = task
            task.add_done_callback(partial(self._thread_done, key))

    def _thread_done(self, key: Hashable, task: asyncio.Task[None]) -> None:
        if self._threads.get(key) is task:
            del self._threads[key]

    def take_finished(self) -> list[tuple[Item, SendResult]]:
        finished, self._finished = self._finished, []
        self.changed.clear()
        return finished

    def restore(self, finished: list[tuple[Item, SendResult]]) -> None:
        """Keep outcomes whose recording failed, to record them at the next step."""
        self._finished = finished + self._finished

    async def drain(self) -> None:
        """Let the sends under way end, as a clean stop should."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _send(
        self,
        item: Item,
        send: Callable[[Item], Awaitable[SendResult]],
        *,
        after: asyncio.Task[None] | None,
    ) -> None:
        if after is not None:
            # An answer and the next question must not cross: wait for the previous message
            # to this person, however it ended, before taking a slot.
            await asyncio.wait([after])
        async with self._gate:
            try:
                result = await send(item)
            except Exception as exc:
                # Whether the provider got the call is not known: never repeat it blindly.
                log.exception("channel send raised")
                reason = f"erreur inattendue : {type(exc).__name__}"
                result = SendResult(Outcome.UNKNOWN, reason=reason)
        if not self._finished:
            self.first_finished_at = asyncio.get_running_loop().time()
        self._finished.append((item, result))
        self.changed.set()
