"""The row of a large import: its runs, and how long it is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast import import_jobs
from broadcast.importfile import read_user_file
from db.base import utcnow
from db.models import ImportJob
from tests.factories import create_site

FILE = "Nom;Prénom;Tél. portable\r\nMartin;Josette;06 12 34 00 04\r\n".encode("cp1252")


async def _job(session: AsyncSession, *, runner: str, days_ago: int = 0) -> ImportJob:
    site = await create_site(session, slug=f"site-{runner}")
    return await import_jobs.create_job(
        session,
        organisation_id=site.organisation_id,
        default_site_id=site.id,
        staff_id=None,
        filename="usagers.csv",
        data=FILE,
        column_map={},
        result=read_user_file(FILE, filename="usagers.csv"),
        runner=runner,
        now=utcnow() - timedelta(days=days_ago),
    )


async def test_jobs_of_more_than_a_day_are_forgotten_with_their_file(
    session: AsyncSession,
) -> None:
    recent = await _job(session, runner="recent")
    await _job(session, runner="old", days_ago=2)
    assert len(list(await session.scalars(select(ImportJob.id)))) == 2
    await import_jobs.forget_old_jobs(session, utcnow())
    assert list(await session.scalars(select(ImportJob.id))) == [recent.id]


async def test_only_the_run_holding_a_job_saves_its_rows(session: AsyncSession) -> None:
    job = await _job(session, runner="first")
    read = read_user_file(FILE, filename="usagers.csv")
    now = utcnow()
    # Still alive: nobody else can take it up.
    assert not await import_jobs.take_up(session, job_id=job.id, runner="second", now=now)
    later = now + import_jobs.STALE_AFTER + timedelta(seconds=1)
    assert await import_jobs.take_up(session, job_id=job.id, runner="second", now=later)
    # The first run, back after a long pause, finds the job taken and saves nothing.
    first = await import_jobs.save_batch(
        session, job_id=job.id, runner="first", result=read, rows=500, now=later
    )
    await session.refresh(job)
    assert not first and job.done == 0
    second = await import_jobs.save_batch(
        session, job_id=job.id, runner="second", result=read, rows=500, now=later
    )
    await session.refresh(job)
    assert not second and (job.status, job.done, job.tally["created"]) == ("done", 1, 1)
