"""A worker that fans broadcasts out and dispatches them, and can be killed at a chosen moment.

Run as `python -m tests.broadcast.kill_worker`. With KILL_AFTER_PASS=n it sends SIGKILL to
itself once the n-th dispatcher pass has called the provider and before it records anything:
the worst moment, when the calls went out and the database does not know it yet.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from sqlalchemy import exists, select

from broadcast.tasks import run_due_broadcasts
from db.base import utcnow
from db.models import Broadcast
from db.session import transaction
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.ratelimit import RateLimits
from lien.logs import configure_logging
from lien.runtime import start_runtime, stop_runtime
from lien.settings import Settings


class KillableDispatcher(Dispatcher):
    def __init__(self, *, kill_after: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kill_after = kill_after
        self.passes = 0

    async def _send_all(self, claimed: Any) -> Any:
        results = await super()._send_all(claimed)
        self.passes += 1
        if self.passes == self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return results


async def unfinished(runtime: Any) -> bool:
    async with transaction(runtime.sessionmaker) as session:
        running = exists().where(Broadcast.status.in_(("scheduled", "sending")))
        return bool(await session.scalar(select(running)))


async def main() -> None:
    settings = Settings(_env_file=None)
    configure_logging(settings.log_level)
    runtime = await start_runtime(settings, migrate=False)
    dispatcher = KillableDispatcher(
        kill_after=int(os.environ.get("KILL_AFTER_PASS", "0")),
        sessionmaker=runtime.sessionmaker,
        channels=runtime.channels,
        limits=RateLimits({}),
        config=DispatcherConfig(batch_size=5, lease_seconds=0.5),
    )
    try:
        while await unfinished(runtime):
            async with transaction(runtime.sessionmaker) as session:
                await run_due_broadcasts(session, utcnow(), chunk_size=10, max_chunks=1)
            done = await dispatcher.run_once()
            if not done.decided:
                await asyncio.sleep(0.1)
    finally:
        await stop_runtime(runtime)


if __name__ == "__main__":
    asyncio.run(main())
