"""A large import running in the background: its progress, refreshed live, then its report."""

from __future__ import annotations

from typing import Any

from fastapi import BackgroundTasks, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.import_jobs import DONE, interrupted, job_summary, new_runner, take_up
from db.base import utcnow
from db.models import ImportJob, Organisation
from lien.console.errors import PageNotFound
from lien.console.i18n import N_, Problem
from lien.console.live import version
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render, render_polled
from lien.deps import RuntimeDep, SessionDep

router = console_router()
# Staff watch an import while it runs: its page refreshes more often than the lists.
POLL_SECONDS = 2
TAKEN_UP = Problem(N_("L'import reprend à la première ligne qui n'était pas enregistrée."))


async def _job_or_404(session: AsyncSession, import_id: int) -> ImportJob:
    job = await session.scalar(select(ImportJob).where(ImportJob.id == import_id))
    if job is None:
        raise PageNotFound
    return job


async def _context(session: AsyncSession, job: ImportJob) -> dict[str, Any]:
    if job.status == DONE:
        state = "done"
    else:
        state = "interrupted" if interrupted(job, utcnow()) else "running"
    return {
        "job": job,
        "state": state,
        "done": state == "done",
        "organisation": await session.get_one(Organisation, job.organisation_id),
        "report": job_summary(job) if state == "done" else None,
        "version": version((state, job.done, job.total)),
        "poll": POLL_SECONDS,
    }


@router.get("/imports/{import_id}", name="console.import_job")
async def import_page(
    request: Request, import_id: int, session: SessionDep, staff: StaffPage
) -> HTMLResponse:
    context = await _context(session, await _job_or_404(session, import_id))
    return render(request, "import_job.html", context, section="user_file_import")


@router.get("/imports/{import_id}/progress", name="console.import_job_progress")
async def progress(
    request: Request, import_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    context = await _context(session, await _job_or_404(session, import_id))
    return render_polled(request, "_import_job.html", context)


@router.post("/imports/{import_id}/resume", name="console.import_job_resume")
async def resume(
    request: Request,
    import_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffPage,
    tasks: BackgroundTasks,
) -> Response:
    job = await _job_or_404(session, import_id)
    runner = new_runner()
    if await take_up(session, job_id=job.id, runner=runner, now=utcnow()):
        # Run once the request has committed the new runner, so the run holds the job.
        tasks.add_task(runtime.imports.start, job.id, runner)
        flash(request, TAKEN_UP)
    return see_other(f"/imports/{job.id}")
