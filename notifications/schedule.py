"""Sessions as rows: an event's rule expanded, the coming weeks written, their reminders planned."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, Occurrence, Organisation, Site
from gateway.policy import window_from_settings
from gateway.quiet_hours import SendingWindow
from notifications import repository
from notifications.offsets import parse_offsets
from notifications.placement import place_reminders
from notifications.recurrence import Occurrence as SeriesDate
from notifications.recurrence import expand_occurrences
from notifications.school_holidays import estimated_after
from notifications.states import ACTIVE, CANCELLED, MOVED, SCHEDULED

# Sessions are written this far ahead: beyond the earliest reminder (J-14), with a margin.
HORIZON = timedelta(days=45)
# The rule of an event is expanded again once a day, not at every tick.
REFRESH = timedelta(days=1)
RETRY = timedelta(hours=1)
# How far ahead staff are warned that school holidays are only estimated (a series spans 3 years).
SCHOOL_LOOKAHEAD = timedelta(days=3 * 366)
log = logging.getLogger(__name__)


async def school_zone(session: AsyncSession, event: Event) -> str | None:
    """Return the zone whose school holidays the event skips, if it skips them."""
    if not event.skip_school_holidays:
        return None
    return await session.scalar(select(Site.school_zone).where(Site.id == event.site_id))


async def school_holidays_estimated_after(
    session: AsyncSession, event: Event, *, now: datetime
) -> date | None:
    """Return the day after which the event's coming sessions rely on estimated school holidays."""
    zone = await school_zone(session, event)
    if zone is None:
        return None
    dates = expand(event, zone=zone, start=now, end=now + SCHOOL_LOOKAHEAD)
    if not dates:
        return None
    return estimated_after(dates[0].start.date(), dates[-1].start.date())


def expand(
    event: Event,
    *,
    zone: str | None,
    start: datetime,
    end: datetime,
    changed: Sequence[Occurrence] = (),
    include_cancelled: bool = False,
) -> list[SeriesDate]:
    """Return the event's sessions starting in [start, end), with staff changes applied."""
    return expand_occurrences(
        rrule=event.rrule,
        dtstart_local=event.dtstart_local,
        duration=timedelta(minutes=event.duration_minutes),
        tz=event.timezone,
        window_start=start,
        window_end=end,
        skip_public_holidays=event.skip_public_holidays,
        school_zone=zone,
        cancelled={o.original_start for o in changed if o.status == CANCELLED},
        moved={o.original_start: o.start for o in changed if o.status == MOVED},
        include_cancelled=include_cancelled,
    )


async def changed_occurrences(session: AsyncSession, event_id: int) -> list[Occurrence]:
    """Return the sessions of an event that staff cancelled or moved."""
    rows = await session.execute(
        select(Occurrence).where(Occurrence.event_id == event_id, Occurrence.status != SCHEDULED)
    )
    return list(rows.scalars())


async def materialise_event(session: AsyncSession, *, event: Event, now: datetime) -> None:
    """Write the event's sessions of the coming weeks, then plan their reminders."""
    dates = expand(event, zone=await school_zone(session, event), start=now, end=now + HORIZON)
    await repository.insert_occurrences(
        session,
        [
            {
                "event_id": event.id,
                "original_start": d.original_start,
                "start": d.start,
                "end": d.end,
                "status": d.status.value,
                "revision": 0,
                "updated_at": now,
            }
            for d in dates
        ],
    )
    event.materialised_until = now + HORIZON
    await session.flush()
    await plan_event_reminders(session, event=event, now=now)


async def materialise_due(session: AsyncSession, *, now: datetime) -> int:
    """Extend every active event whose written sessions end too soon; return how many."""
    events = (
        await session.execute(
            select(Event)
            .where(
                Event.status == ACTIVE,
                or_(
                    Event.materialised_until.is_(None),
                    Event.materialised_until < now + HORIZON - REFRESH,
                ),
            )
            .order_by(Event.id)
        )
    ).scalars()
    count = 0
    for event in list(events):
        event_id = event.id
        try:
            async with session.begin_nested():
                await materialise_event(session, event=event, now=now)
            count += 1
        except Exception:
            # One broken series must not hold back every other reminder: retry it later.
            log.exception("cannot write the sessions of an event", extra={"event_id": event_id})
            failed = await session.get_one(Event, event_id)
            failed.materialised_until = now + HORIZON - REFRESH + RETRY
    return count


async def upcoming(
    session: AsyncSession,
    *,
    event_id: int,
    now: datetime,
    occurrence_ids: Sequence[int] | None = None,
) -> list[Occurrence]:
    """Return the event's written sessions still to come, cancelled ones left out."""
    stmt = select(Occurrence).where(
        Occurrence.event_id == event_id,
        Occurrence.start > now,
        Occurrence.status != CANCELLED,
    )
    if occurrence_ids is not None:
        stmt = stmt.where(Occurrence.id.in_(occurrence_ids))
    return list((await session.execute(stmt.order_by(Occurrence.start))).scalars())


async def next_occurrence(
    session: AsyncSession, *, event_id: int, now: datetime
) -> Occurrence | None:
    """Return the event's next session, if one is written."""
    sessions = await upcoming(session, event_id=event_id, now=now)
    return sessions[0] if sessions else None


async def _window_of(session: AsyncSession, event: Event) -> SendingWindow:
    settings = await session.scalar(
        select(Organisation.settings)
        .join(Site, Site.organisation_id == Organisation.id)
        .where(Site.id == event.site_id)
    )
    return window_from_settings(settings or {})


async def plan_event_reminders(
    session: AsyncSession,
    *,
    event: Event,
    now: datetime,
    occurrence_ids: Sequence[int] | None = None,
    beneficiary_ids: Sequence[int] | None = None,
) -> int:
    """Write the missing reminders of the event's coming sessions; return how many."""
    if event.status != ACTIVE:
        return 0
    offsets = parse_offsets(event.reminder_offsets)
    window = await _window_of(session, event)
    planned = []
    for occurrence in await upcoming(
        session, event_id=event.id, now=now, occurrence_ids=occurrence_ids
    ):
        dues = [(o.key, o.due_at(occurrence.start, tz=event.timezone)) for o in offsets]
        for placed in place_reminders(dues, start=occurrence.start, window=window):
            # A time already past is not written: a late enrolment gets the later reminders.
            if now < placed.due_at < occurrence.start or (
                placed.skipped_reason is not None and now < placed.due_at
            ):
                planned.append(
                    repository.PlannedReminder(
                        occurrence.id,
                        event.id,
                        placed.key,
                        placed.due_at,
                        skipped_reason=placed.skipped_reason,
                    )
                )
    return await repository.plan_reminders(
        session, planned, now=now, beneficiary_ids=beneficiary_ids
    )
