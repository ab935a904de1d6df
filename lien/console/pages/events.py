"""Workshops and distributions: the week's sessions per site, an event, creating one."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Event, Site
from gateway.records import UnknownSite
from lien.console.broadcast_form import choices_for
from lien.console.errors import PageNotFound
from lien.console.event_form import (
    EMPTY_FORM,
    INTERVALS,
    REPEATS,
    WEEKDAYS,
    WEEKS_OF_MONTH,
    read_event,
    week_start,
)
from lien.console.events_view import (
    LAST_PAGE,
    enrolment_list,
    sessions_after_page,
    title_of,
    upcoming_sessions,
    week_of_sessions,
)
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.roles import StaffPage, VolunteerPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import RuntimeDep, SessionDep
from notifications.recurrence import RecurrenceError
from notifications.schedule import school_holidays_estimated_after
from notifications.service import create_event, get_event
from notifications.states import KINDS, InvalidEvent, NotFound

router = console_router()


async def _sites(session: AsyncSession) -> list[Site]:
    return list((await session.execute(select(Site).order_by(Site.name))).scalars())


def _monday(raw: str, today: date) -> date:
    try:
        return week_start(date.fromisoformat(raw)) if raw else week_start(today)
    except ValueError:
        return week_start(today)


@router.get("/events", name="console.events")
async def calendar(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    _staff: VolunteerPage,
    site: Annotated[str, Query(max_length=64)] = "",
    week: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    timezone = runtime.settings.timezone
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    sites = await _sites(session)
    picked = site if site in {s.slug for s in sites} else ""
    monday = _monday(week, today)
    days = await week_of_sessions(
        session, site_slug=picked or None, monday=monday, timezone=timezone
    )
    context = {
        "days": days,
        "sites": sites,
        "site": picked,
        "monday": monday,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "today": today,
    }
    return render(request, "events.html", context, section="events")


async def _form_page(
    request: Request,
    session: AsyncSession,
    values: dict[str, str],
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "sites": await _sites(session),
        "kinds": KINDS,
        "repeats": REPEATS,
        "weekdays": WEEKDAYS,
        "weeks_of_month": WEEKS_OF_MONTH,
        "intervals": INTERVALS,
        "values": values,
        "errors": errors,
    }
    return render(request, "event_new.html", context, section="events", status_code=status_code)


@router.get("/events/new", name="console.event_new")
async def new_event(
    request: Request,
    session: SessionDep,
    _staff: StaffPage,
    site: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    return await _form_page(request, session, {**EMPTY_FORM, "site": site}, {})


@router.post("/events/new", name="console.event_create")
async def create(
    request: Request, session: SessionDep, runtime: RuntimeDep, staff: StaffPage
) -> Response:
    form = FormReader(await request.form())
    timezone = runtime.settings.timezone
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    sites = [s.slug for s in await _sites(session)]
    spec = read_event(form, sites=sites, timezone=timezone, today=today)
    if spec is not None:
        try:
            async with session.begin_nested():
                event = await create_event(session, spec=spec, staff_id=staff.id)
        except (InvalidEvent, RecurrenceError, UnknownSite) as refused:
            form.refuse(
                "form", Problem(N_("Événement refusé : %(detail)s."), {"detail": str(refused)})
            )
        else:
            flash(request, Problem(N_("Événement créé.")))
            return see_other(f"/events/{event.id}")
    return await _form_page(request, session, form.values, form.errors, 422)


async def event_or_404(session: AsyncSession, event_id: int) -> Event:
    try:
        return await get_event(session, event_id)
    except NotFound as exc:
        raise PageNotFound from exc


@router.get("/events/{event_id}", name="console.event")
async def event_page(
    request: Request,
    event_id: int,
    session: SessionDep,
    _staff: VolunteerPage,
    page: Annotated[int, Query(ge=0, le=LAST_PAGE)] = 0,
) -> HTMLResponse:
    event = await event_or_404(session, event_id)
    site = await session.get(Site, event.site_id)
    now = utcnow()
    context = {
        "page": page,
        "more": await sessions_after_page(session, event=event, now=now, page=page),
        "event": event,
        "title": title_of(event),
        "site": site,
        "sessions": await upcoming_sessions(session, event=event, now=now, page=page),
        "people": await enrolment_list(session, event_id=event.id),
        "holidays_estimated_after": await school_holidays_estimated_after(session, event, now=now),
        "choices": await choices_for(session, organisation_id=site.organisation_id)
        if site
        else None,
    }
    return render(request, "event.html", context, section="events")
