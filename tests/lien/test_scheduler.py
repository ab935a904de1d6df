"""The periodic jobs and tasks as APScheduler is given them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from lien.runtime import PeriodicJob, PeriodicTask
from lien.scheduler import start_scheduler
from tests.clock import frozen_at

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_clock = frozen_at(NOW, tick=False)


async def _nothing(*_: Any) -> None:
    return None


async def test_jobs_and_tasks_run_alone_once_when_late_and_a_job_may_start_early() -> None:
    runtime: Any = SimpleNamespace(
        settings=SimpleNamespace(timezone="Europe/Paris"),
        jobs=[
            PeriodicJob("purge", 86400, _nothing, first_run_after=60),
            PeriodicJob("reminders", 30, _nothing),
        ],
        tasks=[PeriodicTask("reports", 300, _nothing)],
        run_job=_nothing,
        run_task=_nothing,
    )
    scheduler = start_scheduler(runtime)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)

    assert sorted(jobs) == ["purge", "reminders", "reports"]
    for job in jobs.values():
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, None)
    assert jobs["purge"].next_run_time == NOW + timedelta(seconds=60)
    assert jobs["reminders"].next_run_time == NOW + timedelta(seconds=30)
    assert jobs["reports"].trigger.interval == timedelta(seconds=300)
    assert jobs["reports"].args[0].name == "reports"
