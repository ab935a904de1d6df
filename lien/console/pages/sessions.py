"""One session: who comes and who came; cancelling or moving it after a confirmation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Event
from lien.console.errors import PageNotFound
from lien.console.event_form import BAD_CLOCK, read_date
from lien.console.events_view import title_of
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.pages.events import event_or_404
from lien.console.roles import StaffPage, VolunteerPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import SessionDep
from notifications import attendance, changes
from notifications.states import Conflict, InvalidEvent, NotFound

router = console_router()
CANCEL, MOVE = "cancel", "move"
MAX_REASON = 300
PAST_MOVE = Problem(N_("Le nouvel horaire est déjà passé."))
NOT_CHANGEABLE = Problem(N_("Cette séance ne peut plus changer : %(detail)s."))
# Which session (its start as the rule gave it) and what to do with it, on the page and its form.
OriginalStart = Annotated[str, Query(max_length=40)]
ChangeAction = Annotated[str, Query(pattern="^(cancel|move)$")]


@router.get("/events/sessions/{occurrence_id}", name="console.event_session")
async def session_page(
    request: Request, occurrence_id: int, session: SessionDep, _staff: VolunteerPage
) -> HTMLResponse:
    try:
        roster = await attendance.roster(session, occurrence_id=occurrence_id)
    except NotFound as exc:
        raise PageNotFound from exc
    context = {"roster": roster, "title": title_of(roster.event)}
    return render(request, "event_session.html", context, section="events")


@router.post("/events/sessions/{occurrence_id}/attendance", name="console.session_attendance")
async def mark_attendance(
    request: Request, occurrence_id: int, session: SessionDep, staff: VolunteerPage
) -> Response:
    form = FormReader(await request.form())
    person = form.text("beneficiary_id", required=True, max_length=12)
    present = form.choice("present", ("yes", "no"), required=True)
    if form.ok and person.isdigit():
        try:
            await attendance.record_attendance(
                session,
                occurrence_id=occurrence_id,
                beneficiary_id=int(person),
                present=present == "yes",
                now=utcnow(),
                staff_id=staff.id,
            )
        except NotFound as exc:
            raise PageNotFound from exc
        except Conflict as refused:
            flash(
                request, Problem(N_("Présence non notée : %(detail)s."), {"detail": str(refused)})
            )
        else:
            flash(request, Problem(N_("Présence notée.")))
    return see_other(f"/events/sessions/{occurrence_id}")


def _original(raw: str) -> datetime:
    try:
        found = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise PageNotFound from exc
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _change_context(
    event: Event, original: datetime, action: str, values: dict[str, str], errors: dict[str, Any]
) -> dict[str, Any]:
    return {
        "event": event,
        "title": title_of(event),
        "original": original,
        "action": action,
        "values": values,
        "errors": errors,
    }


@router.get("/events/{event_id}/change", name="console.session_change")
async def change_page(
    request: Request,
    event_id: int,
    session: SessionDep,
    _staff: StaffPage,
    start: OriginalStart,
    action: ChangeAction = CANCEL,
) -> HTMLResponse:
    event = await event_or_404(session, event_id)
    original = _original(start)
    local = original.astimezone(ZoneInfo(event.timezone))
    values = {
        "reason": "",
        "notify": "on",
        "new_date": local.date().isoformat(),
        "new_time": local.strftime("%H:%M"),
    }
    context = _change_context(event, original, action, values, {})
    return render(request, "session_change.html", context, section="events")


async def _apply(
    session: AsyncSession,
    form: FormReader,
    event: Event,
    original: datetime,
    action: str,
    staff_id: int,
) -> bool:
    """Cancel or move the session; False with problems attached when refused."""
    reason = form.text("reason", max_length=MAX_REASON) or None
    notify = form.flag("notify")
    new_start = None
    if action == MOVE:
        day, clock = read_date(form, "new_date", required=True), form.clock("new_time", BAD_CLOCK)
        if day is not None and clock is not None:
            new_start = datetime.combine(day, clock)
            zone = ZoneInfo(event.timezone)
            if new_start.replace(tzinfo=zone) <= utcnow():
                form.refuse("new_date", PAST_MOVE)
    if not form.ok:
        return False
    now = utcnow()
    try:
        async with session.begin_nested():
            row = await changes.occurrence_at(session, event=event, original_start=original)
            if action == MOVE and new_start is not None:
                await changes.move_occurrence(
                    session,
                    occurrence=row,
                    event=event,
                    new_start_local=new_start,
                    now=now,
                    reason=reason,
                    staff_id=staff_id,
                    notify=notify,
                )
            else:
                await changes.cancel_occurrence(
                    session,
                    occurrence=row,
                    event=event,
                    now=now,
                    reason=reason,
                    staff_id=staff_id,
                    notify=notify,
                )
    except NotFound as exc:
        raise PageNotFound from exc
    except (Conflict, InvalidEvent) as refused:
        form.refuse("form", Problem(NOT_CHANGEABLE.text, {"detail": str(refused)}))
        return False
    return True


@router.post("/events/{event_id}/change", name="console.session_change_submit")
async def change_submit(
    request: Request,
    event_id: int,
    session: SessionDep,
    staff: StaffPage,
    start: OriginalStart,
    action: ChangeAction = CANCEL,
) -> Response:
    event = await event_or_404(session, event_id)
    original = _original(start)
    form = FormReader(await request.form())
    if await _apply(session, form, event, original, action, staff.id):
        done = N_("Séance annulée.") if action == CANCEL else N_("Séance déplacée.")
        flash(request, Problem(done))
        return see_other(f"/events/{event.id}")
    context = _change_context(event, original, action, form.values, form.errors)
    return render(request, "session_change.html", context, section="events", status_code=422)
