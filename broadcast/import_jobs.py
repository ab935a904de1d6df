"""A large user file saved batch by batch, each batch in its own transaction, its state a row.

A batch saves the next rows and records them on the job in the same transaction: a crash
loses at most the batch in progress, and taking the import up again starts at the first row
not saved, with the counts so far. Only the run holding the job writes to it; a job whose
heartbeat stopped is interrupted, and any process may take it up again.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.importfile import ImportResult, LineWarning, MergedLines, RejectedLine
from broadcast.importing import ImportReport, ImportTally, begin_import, save_rows
from db.models import ImportJob
from db.scope import ALL_ORGANISATIONS

RUNNING = "running"
DONE = "done"
FAILED = "failed"
# A run shows it is alive with every batch; one silent this long has stopped.
STALE_AFTER = timedelta(minutes=2)
# Jobs, with their reports (and the file of an import never taken up again), are kept a day.
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class ImportSummary:
    """What the import page shows of an import: counts and the lines to look at."""

    people: int
    created: int
    updated: int
    unchanged: int
    rejected: tuple[RejectedLine, ...]
    recontacts: tuple[RejectedLine, ...]
    merged: tuple[MergedLines, ...]
    warnings: tuple[LineWarning, ...]
    sites_created: tuple[str, ...]


def summary_of(report: ImportReport) -> ImportSummary:
    """Return what the page shows of an import run in one request."""
    read = report.read
    return ImportSummary(
        people=len(read.rows),
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        recontacts=report.recontacts,
        merged=read.merged,
        warnings=read.warnings,
        sites_created=report.sites_created,
    )


def new_runner() -> str:
    """Return a name for one run of a job, unique enough to tell two runs apart."""
    return secrets.token_hex(16)


async def create_job(
    session: AsyncSession,
    *,
    organisation_id: int,
    default_site_id: int,
    staff_id: int | None,
    filename: str,
    data: bytes,
    column_map: dict[str, str],
    result: ImportResult,
    runner: str,
    now: datetime,
) -> ImportJob:
    """Record an import about to run, held by `runner` from now."""
    await forget_old_jobs(session, now)
    job = ImportJob(
        organisation_id=organisation_id,
        default_site_id=default_site_id,
        created_by=staff_id,
        filename=filename[:255],
        data=data,
        column_map=column_map,
        status=RUNNING,
        total=len(result.rows),
        done=0,
        file_report={
            "people": len(result.rows),
            "rejected": [asdict(line) for line in result.rejected],
            "merged": [asdict(merged) for merged in result.merged],
            "warnings": [asdict(warning) for warning in result.warnings],
        },
        tally=asdict(ImportTally()),
        runner=runner,
        heartbeat_at=now,
        created_at=now,
    )
    session.add(job)
    await session.flush()
    return job


async def forget_old_jobs(session: AsyncSession, now: datetime) -> None:
    """Delete every association's jobs of more than a day, a file never taken up again too."""
    await session.execute(
        delete(ImportJob).where(ImportJob.created_at < now - KEEP),
        execution_options={ALL_ORGANISATIONS: True},
    )


def interrupted(job: ImportJob, now: datetime) -> bool:
    """Tell whether a job stopped before its last row: failed, or its run fell silent."""
    if job.status == FAILED:
        return True
    return job.status == RUNNING and job.heartbeat_at < now - STALE_AFTER


async def take_up(session: AsyncSession, *, job_id: int, runner: str, now: datetime) -> bool:
    """Give an interrupted job to a new run; False when it is not interrupted (any more)."""
    stale = ImportJob.heartbeat_at < now - STALE_AFTER
    taken = await session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.data.is_not(None))
        .where(or_(ImportJob.status == FAILED, (ImportJob.status == RUNNING) & stale))
        .values(status=RUNNING, runner=runner, heartbeat_at=now)
    )
    return _count(taken) == 1


async def job_file(session: AsyncSession, *, job_id: int) -> tuple[str, bytes, dict[str, str]]:
    """Return the file of a job still running: its name, its bytes and the columns chosen."""
    found = await session.execute(
        select(ImportJob.filename, ImportJob.data, ImportJob.column_map).where(
            ImportJob.id == job_id
        )
    )
    filename, data, column_map = found.one()
    return filename, data or b"", dict(column_map)


async def save_batch(
    session: AsyncSession,
    *,
    job_id: int,
    runner: str,
    result: ImportResult,
    rows: int,
    now: datetime,
) -> bool:
    """Save the job's next `rows` rows if `runner` still holds it; True while rows remain."""
    held = await session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.runner == runner, ImportJob.status == RUNNING)
        .values(heartbeat_at=now)
    )
    if _count(held) != 1:
        return False
    job = await session.get_one(ImportJob, job_id)
    if len(result.rows) != job.total:
        raise ValueError(f"import {job_id}: {len(result.rows)} rows read, {job.total} expected")
    tally = _tally_of(job.tally)
    run = await begin_import(
        session,
        result=result,
        organisation_id=job.organisation_id,
        default_site_id=job.default_site_id,
        source=job.filename,
        tally=tally,
    )
    batch = result.rows[job.done : job.done + rows]
    await save_rows(run, batch)
    job.done += len(batch)
    job.tally = asdict(tally)
    if job.done >= job.total:
        job.status, job.finished_at, job.data = DONE, now, None
    await session.flush()
    return job.status == RUNNING


async def fail(session: AsyncSession, *, job_id: int, runner: str, now: datetime) -> None:
    """Mark a job its run could not finish; the rows saved so far stay saved."""
    await session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.runner == runner, ImportJob.status == RUNNING)
        .values(status=FAILED, heartbeat_at=now)
    )


def job_summary(job: ImportJob) -> ImportSummary:
    """Return what the page shows of a job: the file's report and the batches' counts."""
    tally = _tally_of(job.tally)
    found = job.file_report
    return ImportSummary(
        people=int(found.get("people", job.total)),
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        rejected=tuple(
            sorted((*_lines(found.get("rejected", [])), *tally.conflicts), key=lambda r: r.line)
        ),
        recontacts=tuple(sorted(tally.recontacts, key=lambda r: r.line)),
        merged=tuple(
            MergedLines(m["line"], tuple(m["merged_lines"]), tuple(m["conflicts"]))
            for m in found.get("merged", [])
        ),
        warnings=tuple(LineWarning(**w) for w in found.get("warnings", [])),
        sites_created=tuple(tally.sites_created),
    )


def _lines(stored: list[dict[str, Any]]) -> list[RejectedLine]:
    return [RejectedLine(**line) for line in stored]


def _tally_of(stored: dict[str, Any]) -> ImportTally:
    return ImportTally(
        created=int(stored.get("created", 0)),
        updated=int(stored.get("updated", 0)),
        unchanged=int(stored.get("unchanged", 0)),
        contacts_added=int(stored.get("contacts_added", 0)),
        conflicts=_lines(stored.get("conflicts", [])),
        recontacts=_lines(stored.get("recontacts", [])),
        sites_created=list(stored.get("sites_created", [])),
        tags_created=list(stored.get("tags_created", [])),
    )


def _count(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
