"""Importing the user file in the browser: upload, check the columns, dry run, confirm."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.import_jobs import create_job, new_runner, summary_of
from broadcast.importfile import ImportFileError, ImportResult, read_user_file
from broadcast.importfile.columns import FIELDS
from broadcast.importing import ImportReport, import_people
from broadcast.organisations import site_of
from broadcast.texts import BroadcastError
from db.base import utcnow
from db.models import Organisation, Site, StaffMember
from lien.console.errors import PageNotFound
from lien.console.i18n import N_, Problem
from lien.console.import_store import Upload, drop_upload, find_upload, keep_upload
from lien.console.pages.broadcasts import choose_organisation, organisation_for
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import render
from lien.deps import RuntimeDep, SessionDep
from lien.runtime import Runtime

router = console_router()
# The menu entry these pages sit under.
SECTION = "user_file_import"
# Rows above which confirming runs the import in the background, with a page showing progress.
BACKGROUND_ABOVE = 500
# Starts a recorded import's run: its id, its runner and the file as read.
Background = Callable[[int, str, ImportResult], None]
MAX_FILE = 10 * 1024 * 1024
TOO_LARGE = Problem(N_("Le fichier dépasse 10 Mo : coupez-le en plusieurs fichiers."))
NO_FILE = Problem(N_("Choisissez un fichier CSV ou Excel (.xlsx)."))
Slug = Annotated[str, Form(max_length=64)]


async def _sites(session: AsyncSession, organisation: Organisation) -> list[Site]:
    rows = await session.scalars(
        select(Site).where(Site.organisation_id == organisation.id).order_by(Site.name)
    )
    return list(rows)


async def _upload_page(
    request: Request,
    session: AsyncSession,
    organisation: Organisation,
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "organisation": organisation,
        "sites": await _sites(session, organisation),
        "errors": errors,
        "values": {},
    }
    return render(request, "import_new.html", context, section=SECTION, status_code=status_code)


@router.get("/imports/new", name="console.user_file_import")
async def new_import(
    request: Request, session: SessionDep, staff: StaffPage, organisation: str = ""
) -> HTMLResponse:
    found = await organisation_for(session, staff, organisation[:64])
    if found is None:
        return await choose_organisation(request, session, section=SECTION)
    return await _upload_page(request, session, found, {})


def _column_map(form: dict[str, str], headings: list[str]) -> dict[str, str]:
    """Return the mapping staff chose: heading → field, for the columns they set."""
    chosen = {}
    for index, heading in enumerate(headings):
        field = form.get(f"column_{index}", "")
        if field in FIELDS:
            chosen[heading] = field
    return chosen


async def _run(
    request: Request,
    session: AsyncSession,
    staff: StaffMember,
    upload: Upload,
    *,
    organisation_slug: str,
    site_slug: str,
    column_map: dict[str, str],
    dry_run: bool,
    background: Background | None = None,
) -> Response:
    organisation = await organisation_for(session, staff, organisation_slug)
    if organisation is None:
        raise PageNotFound
    context: dict[str, Any] = {
        "organisation": organisation,
        "sites": await _sites(session, organisation),
        "site": site_slug,
        "token": upload.token,
        "filename": upload.filename,
        "fields": FIELDS,
        "errors": {},
        "report": None,
    }
    try:
        read = await asyncio.to_thread(
            read_user_file, upload.data, filename=upload.filename, column_map=column_map
        )
        site = await site_of(session, organisation_id=organisation.id, slug=site_slug or None)
    except (ImportFileError, BroadcastError) as exc:
        context["errors"] = {
            "form": Problem(N_("Import refusé : %(detail)s"), {"detail": str(exc)})
        }
        context["headings"] = list(column_map)
        context["mapping"] = column_map
        return render(request, "import_check.html", context, section=SECTION, status_code=422)
    if background is not None and len(read.rows) > BACKGROUND_ABOVE:
        return await _start_job(request, session, staff, upload, read, site, column_map, background)
    report: ImportReport = await import_people(
        session,
        result=read,
        organisation_id=organisation.id,
        default_site_id=site.id,
        source=upload.filename,
        dry_run=dry_run,
    )
    headings = [heading for heading, _ in read.columns] + list(read.ignored_columns)
    context.update(
        {
            "report": summary_of(report),
            "headings": headings,
            "mapping": dict(read.columns),
            "done": not dry_run,
        }
    )
    if not dry_run:
        drop_upload(request, upload.token)
    return render(request, "import_check.html", context, section=SECTION)


def _after_commit(tasks: BackgroundTasks, runtime: Runtime) -> Background:
    def start(job_id: int, runner: str, read: ImportResult) -> None:
        tasks.add_task(runtime.imports.start, job_id, runner, read)

    return start


async def _start_job(
    request: Request,
    session: AsyncSession,
    staff: StaffMember,
    upload: Upload,
    read: ImportResult,
    site: Site,
    column_map: dict[str, str],
    background: Background,
) -> Response:
    """Record a large import and run it after this request, batch by batch; show its page."""
    runner = new_runner()
    job = await create_job(
        session,
        organisation_id=site.organisation_id,
        default_site_id=site.id,
        staff_id=staff.id,
        filename=upload.filename,
        data=upload.data,
        column_map=column_map,
        result=read,
        runner=runner,
        now=utcnow(),
    )
    drop_upload(request, upload.token)
    # Run once the request has committed the job, so the run finds it.
    background(job.id, runner, read)
    return see_other(f"/imports/{job.id}")


@router.post("/imports/new", name="console.user_file_upload")
async def upload(
    request: Request,
    session: SessionDep,
    staff: StaffPage,
    file: Annotated[UploadFile | None, File()] = None,
    organisation: Slug = "",
    site: Slug = "",
) -> Response:
    found = await organisation_for(session, staff, organisation)
    if found is None:
        return await choose_organisation(request, session, section=SECTION)
    data = await file.read(MAX_FILE + 1) if file is not None else b""
    if not data or file is None:
        return await _upload_page(request, session, found, {"file": NO_FILE}, 422)
    if len(data) > MAX_FILE:
        return await _upload_page(request, session, found, {"file": TOO_LARGE}, 413)
    filename = file.filename or "fichier.csv"
    kept = Upload(keep_upload(request, filename=filename, data=data), filename, data)
    return await _run(
        request,
        session,
        staff,
        kept,
        organisation_slug=found.slug,
        site_slug=site,
        column_map={},
        dry_run=True,
    )


async def _run_posted(
    request: Request,
    token: str,
    session: AsyncSession,
    staff: StaffMember,
    *,
    dry_run: bool,
    background: Background | None = None,
) -> Response:
    """Run a kept file again with the organisation, site and columns its check form posted."""
    upload = find_upload(request, token)
    if upload is None:
        raise PageNotFound
    posted = await request.form()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    headings = [form.get(f"heading_{i}", "") for i in range(200) if f"heading_{i}" in form]
    return await _run(
        request,
        session,
        staff,
        upload,
        organisation_slug=form.get("organisation", ""),
        site_slug=form.get("site", ""),
        column_map=_column_map(form, headings),
        dry_run=dry_run,
        background=background,
    )


@router.post("/imports/{token}/check", name="console.user_file_check")
async def check(request: Request, token: str, session: SessionDep, staff: StaffPage) -> Response:
    return await _run_posted(request, token, session, staff, dry_run=True)


@router.post("/imports/{token}/confirm", name="console.user_file_confirm")
async def confirm(
    request: Request,
    token: str,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffPage,
    tasks: BackgroundTasks,
) -> Response:
    background = _after_commit(tasks, runtime)
    return await _run_posted(request, token, session, staff, dry_run=False, background=background)
