"""APScheduler drives the periodic jobs; what they do and what is due lives in the tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from db.base import utcnow
from lien.runtime import Runtime

# Every periodic run: one at a time, a late one run once rather than once per missed interval,
# and however late it is.
RUNS: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=runtime.settings.timezone)
    for job in runtime.jobs:
        options = dict(RUNS)
        if job.first_run_after is not None:
            options["next_run_time"] = utcnow() + timedelta(seconds=job.first_run_after)
        scheduler.add_job(
            runtime.run_job, "interval", seconds=job.seconds, args=[job], id=job.name, **options
        )
    for task in runtime.tasks:
        scheduler.add_job(
            runtime.run_task, "interval", seconds=task.seconds, args=[task], id=task.name, **RUNS
        )
    scheduler.start()
    return scheduler
