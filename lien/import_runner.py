"""Large imports run in the app's event loop, one transaction per batch, while staff watch."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from broadcast import import_jobs
from broadcast.importfile import ImportResult, read_user_file
from broadcast.importing import BATCH
from db.base import utcnow
from db.session import SessionMaker, transaction

log = logging.getLogger(__name__)


class ImportRunner:
    """The imports this process is running; stopping the process leaves them interrupted."""

    def __init__(self, sessionmaker: SessionMaker, *, batch_rows: int = BATCH) -> None:
        self.sessionmaker = sessionmaker
        self.batch_rows = batch_rows
        self._running: set[asyncio.Task[None]] = set()

    async def start(self, job_id: int, runner: str, result: ImportResult | None = None) -> None:
        """Start running a job held by `runner`; `result` is its file already read, if at hand.

        A coroutine, so that a request's background tasks call it in the event loop.
        """
        task = asyncio.create_task(self._run(job_id, runner, result), name=f"import-{job_id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, job_id: int, runner: str, result: ImportResult | None) -> None:
        try:
            if result is None:
                result = await self._read(job_id)
            going = True
            while going:
                async with transaction(self.sessionmaker) as session:
                    going = await import_jobs.save_batch(
                        session,
                        job_id=job_id,
                        runner=runner,
                        result=result,
                        rows=self.batch_rows,
                        now=utcnow(),
                    )
        except Exception:
            log.exception("import stopped", extra={"import_job": job_id})
            async with transaction(self.sessionmaker) as session:
                await import_jobs.fail(session, job_id=job_id, runner=runner, now=utcnow())

    async def _read(self, job_id: int) -> ImportResult:
        async with transaction(self.sessionmaker) as session:
            filename, data, column_map = await import_jobs.job_file(session, job_id=job_id)
        return await asyncio.to_thread(
            read_user_file, data, filename=filename, column_map=column_map
        )

    async def idle(self) -> None:
        """Wait until every import of this process has stopped."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def stop(self) -> None:
        """Stop the running imports where they are: the batches saved stay saved."""
        for task in list(self._running):
            task.cancel()
        for task in list(self._running):
            with contextlib.suppress(asyncio.CancelledError):
                await task
