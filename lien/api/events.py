"""Workshops, distributions and their sessions, for staff."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.errors import InvalidError, LienError
from db.models import Enrollment, Event, Occurrence, Site, StaffMember
from lien.api.events_schemas import (
    ChangeOut,
    EventIn,
    EventOut,
    EventPatch,
    OccurrenceChangeIn,
    OccurrenceMoveIn,
    OccurrenceOut,
    PatternOut,
)
from lien.auth import CurrentStaff, require_role
from lien.deps import SessionDep
from notifications import changes, schedule, service
from notifications.recurrence import RecurrenceError
from notifications.recurrence_pattern import Frequency, RecurrencePattern, from_rrule, to_rrule
from notifications.school_holidays import estimate_warning
from notifications.states import ENROLLED, WAITLISTED

router = APIRouter(prefix="/api/events", tags=["events"])
StaffOnly = Annotated[StaffMember, require_role("staff")]


@contextmanager
def domain_errors() -> Iterator[None]:
    """Refuse the standard library's lookups and values a service lets through, as invalid.

    The domain's own refusals (`NotFound` 404, `Conflict` 409, a bad recurrence 422) carry their
    answer and go to the app's one handler untouched.
    """
    try:
        yield
    except LienError:
        raise
    except (LookupError, ValueError) as exc:
        raise InvalidError(str(exc).strip("'\"")) from exc


def _spec(body: EventIn) -> service.EventSpec:
    start = service.local_time(body.start, body.timezone)
    end = service.local_time(body.end, body.timezone)
    rrule = body.rrule
    if body.pattern is not None:
        if rrule is not None:
            raise RecurrenceError("indiquez soit une règle (rrule) soit un motif (pattern)")
        p = body.pattern
        rrule = to_rrule(
            RecurrencePattern(
                frequency=Frequency(p.frequency),
                start_date=start.date(),
                start_time=start.time(),
                end_time=end.time(),
                weekdays=tuple(p.weekdays),
                interval=p.interval,
                week_of_month=p.week_of_month,
                until=p.until,
                count=p.count,
            )
        )
    return service.EventSpec(
        site_slug=body.site,
        kind=body.kind,
        texts={lang: t.model_dump(exclude_none=True) for lang, t in body.texts.items()},
        dtstart_local=start,
        duration=end - start,
        rrule=rrule,
        place=body.place,
        timezone=body.timezone,
        capacity=body.capacity,
        skip_public_holidays=body.skip_public_holidays,
        skip_school_holidays=body.skip_school_holidays,
        reminder_offsets=body.reminders,
    )


async def event_out(session: SessionDep, event: Event) -> EventOut:
    site = await session.get_one(Site, event.site_id)
    counts = dict(
        (
            await session.execute(
                select(Enrollment.status, func.count())
                .where(Enrollment.event_id == event.id)
                .group_by(Enrollment.status)
            )
        ).all()
    )
    duration = timedelta(minutes=event.duration_minutes)
    pattern = from_rrule(event.rrule, dtstart_local=event.dtstart_local, duration=duration)
    return EventOut(
        id=event.id,
        site=site.slug,
        kind=event.kind,
        texts=event.texts,
        place=event.place,
        start=event.dtstart_local,
        end=event.dtstart_local + duration,
        timezone=event.timezone,
        rrule=event.rrule,
        pattern=None
        if pattern is None
        else PatternOut(
            frequency=pattern.frequency.value,
            weekdays=list(pattern.weekdays),
            interval=pattern.interval,
            week_of_month=pattern.week_of_month,
            until=pattern.until,
            count=pattern.count,
        ),
        capacity=event.capacity,
        enrolled=counts.get(ENROLLED, 0),
        waitlisted=counts.get(WAITLISTED, 0),
        reminders=list(event.reminder_offsets),
        skip_public_holidays=event.skip_public_holidays,
        skip_school_holidays=event.skip_school_holidays,
        status=event.status,
        created_at=event.created_at,
        warnings=await _warnings(session, event),
    )


async def _warnings(session: SessionDep, event: Event) -> list[str]:
    estimated = await schedule.school_holidays_estimated_after(session, event, now=utcnow())
    return [] if estimated is None else [estimate_warning(estimated)]


def occurrence_out(
    event: Event, *, id: int | None, original: datetime, start: datetime, end: datetime, state: str
) -> OccurrenceOut:
    local = start.astimezone(ZoneInfo(event.timezone))
    return OccurrenceOut(
        id=id,
        original_start=original,
        start=start,
        end=end,
        local_start=local.replace(tzinfo=None).isoformat(timespec="minutes"),
        status=state,
    )


def written_occurrence_out(event: Event, row: Occurrence) -> OccurrenceOut:
    """Show a session from its own row, as it stands now."""
    return occurrence_out(
        event,
        id=row.id,
        original=row.original_start,
        start=row.start,
        end=row.end,
        state=row.status,
    )


@router.post("", response_model=EventOut, status_code=201, summary="Créer une activité")
async def create(body: EventIn, session: SessionDep, staff: StaffOnly) -> EventOut:
    with domain_errors():
        event = await service.create_event(session, spec=_spec(body), staff_id=staff.id)
    return await event_out(session, event)


@router.get("", response_model=list[EventOut], summary="Lister les activités")
async def list_all(
    session: SessionDep,
    _staff: CurrentStaff,
    site: Annotated[str | None, Query(max_length=64)] = None,
    archived: bool = False,
) -> list[EventOut]:
    with domain_errors():
        events = await service.list_events(session, site_slug=site, include_archived=archived)
    return [await event_out(session, e) for e in events]


@router.get("/{event_id}", response_model=EventOut, summary="Une activité")
async def read(event_id: int, session: SessionDep, _staff: CurrentStaff) -> EventOut:
    with domain_errors():
        event = await service.get_event(session, event_id)
    return await event_out(session, event)


@router.patch("/{event_id}", response_model=EventOut, summary="Modifier une activité")
async def patch(
    event_id: int, body: EventPatch, session: SessionDep, _staff: StaffOnly
) -> EventOut:
    given = body.model_fields_set
    update = service.EventChanges(
        texts={k: v.model_dump(exclude_none=True) for k, v in body.texts.items()}
        if body.texts is not None
        else None,
        place=body.place,
        capacity=body.capacity,
        unlimited="capacity" in given and body.capacity is None,
        reminder_offsets=body.reminders,
        status=body.status,
    )
    with domain_errors():
        event = await service.update_event(session, event_id=event_id, changes=update)
    return await event_out(session, event)


@router.get("/{event_id}/occurrences", response_model=list[OccurrenceOut], summary="Séances")
async def occurrences(
    event_id: int,
    session: SessionDep,
    _staff: CurrentStaff,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[OccurrenceOut]:
    now = utcnow()
    with domain_errors():
        event = await service.get_event(session, event_id)
        window_start = _aware(start, event) if start else now - timedelta(days=1)
        window_end = _aware(end, event) if end else window_start + timedelta(days=90)
        sessions = await service.list_occurrences(
            session, event=event, start=window_start, end=window_end
        )
    return [
        occurrence_out(
            event, id=s.id, original=s.original_start, start=s.start, end=s.end, state=s.status
        )
        for s in sessions
    ]


def _aware(value: datetime, event: Event) -> datetime:
    """Read a time without offset as the event's local time."""
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(event.timezone))


@router.post("/{event_id}/occurrences/cancel", response_model=ChangeOut, summary="Annuler")
async def cancel(
    event_id: int, body: OccurrenceChangeIn, session: SessionDep, staff: StaffOnly
) -> ChangeOut:
    return await _change(session, event_id, body, staff, changes.cancel_occurrence)


@router.post("/{event_id}/occurrences/move", response_model=ChangeOut, summary="Déplacer")
async def move(
    event_id: int, body: OccurrenceMoveIn, session: SessionDep, staff: StaffOnly
) -> ChangeOut:
    return await _change(
        session, event_id, body, staff, changes.move_occurrence, new_start_local=body.new_start
    )


async def _change(
    session: AsyncSession,
    event_id: int,
    body: OccurrenceChangeIn,
    staff: StaffMember,
    apply: Callable[..., Awaitable[int]],
    **extra: datetime,
) -> ChangeOut:
    """Find the session a change names, apply the change, and say how many were told."""
    now = utcnow()
    with domain_errors():
        event = await service.get_event(session, event_id)
        row = await changes.occurrence_at(
            session, event=event, original_start=_aware(body.original_start, event)
        )
        told = await apply(
            session,
            occurrence=row,
            event=event,
            now=now,
            reason=body.reason,
            staff_id=staff.id,
            notify=body.notify,
            **extra,
        )
    return ChangeOut(occurrence=written_occurrence_out(event, row), notified=told)
