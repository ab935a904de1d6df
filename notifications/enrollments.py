"""Who is on an event's list: enrolment, the waiting list, and moving up when a place frees."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrollment, Event, Occurrence, Reminder
from gateway.exchange import Origin
from gateway.outbox import queue_messages
from notifications import repository, schedule
from notifications.sending import automated, languages, place_of, session_words
from notifications.states import (
    ACTIVE,
    ENROLLED,
    SKIP_NOT_ENROLLED,
    SOURCES,
    WAITLISTED,
    WITHDRAWN,
    Conflict,
    InvalidEvent,
)
from notifications.texts import event_text, text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrollmentOutcome:
    """Where a person stands after asking for a place; `rank` is their place in the queue."""

    beneficiary_id: int
    enrollment_id: int
    status: str  # enrolled, waitlisted, already_enrolled, already_waitlisted
    rank: int | None = None


async def lock_event(session: AsyncSession, event: Event) -> None:
    """Serialise the changes of places of one event (PostgreSQL; SQLite has one writer)."""
    await session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


async def enrolled_count(session: AsyncSession, event_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(Enrollment.event_id == event_id, Enrollment.status == ENROLLED)
    )
    return int(count or 0)


async def waitlist_rank(session: AsyncSession, enrollment: Enrollment) -> int:
    """Return a waiting person's place in the queue, 1 for the next to get a place."""
    ahead = await session.scalar(
        select(func.count()).where(
            Enrollment.event_id == enrollment.event_id,
            Enrollment.status == WAITLISTED,
            Enrollment.position <= enrollment.position,
        )
    )
    return int(ahead or 1)


async def find_enrollment(
    session: AsyncSession, *, event_id: int, beneficiary_id: int
) -> Enrollment | None:
    return await session.scalar(
        select(Enrollment).where(
            Enrollment.event_id == event_id, Enrollment.beneficiary_id == beneficiary_id
        )
    )


async def enroll(
    session: AsyncSession,
    *,
    event: Event,
    beneficiary_id: int,
    source: str,
    now: datetime,
    staff_id: int | None = None,
    notify: bool = True,
    plan: bool = True,
) -> EnrollmentOutcome:
    """Give a person a place, or a place on the waiting list when the event is full."""
    if source not in SOURCES:
        raise InvalidEvent(f"origine d'inscription inconnue : {source!r}")
    if event.status != ACTIVE:
        raise Conflict("cette activité est archivée : plus d'inscription possible")
    await lock_event(session, event)
    existing = await find_enrollment(session, event_id=event.id, beneficiary_id=beneficiary_id)
    if existing is not None and existing.status != WITHDRAWN:
        rank = await waitlist_rank(session, existing) if existing.status == WAITLISTED else None
        return EnrollmentOutcome(beneficiary_id, existing.id, f"already_{existing.status}", rank)
    full = event.capacity is not None and await enrolled_count(session, event.id) >= event.capacity
    status = WAITLISTED if full else ENROLLED
    position = await _next_position(session, event.id)
    enrollment = existing or Enrollment(event_id=event.id, beneficiary_id=beneficiary_id)
    enrollment.status, enrollment.position = status, position
    enrollment.source, enrollment.staff_id = source, staff_id
    session.add(enrollment)
    await session.flush()
    if status == ENROLLED and plan:
        await schedule.plan_event_reminders(
            session, event=event, now=now, beneficiary_ids=[beneficiary_id]
        )
    rank = await waitlist_rank(session, enrollment) if status == WAITLISTED else None
    if notify:
        await tell_enrolled(session, event=event, enrollments=[enrollment], now=now, rank=rank)
    log.info(
        "enrolment",
        extra={"event_id": event.id, "enrollment_id": enrollment.id, "status": status},
    )
    return EnrollmentOutcome(beneficiary_id, enrollment.id, status, rank)


async def _next_position(session: AsyncSession, event_id: int) -> int:
    top = await session.scalar(
        select(func.max(Enrollment.position)).where(Enrollment.event_id == event_id)
    )
    return int(top or 0) + 1


async def withdraw(
    session: AsyncSession, *, event: Event, beneficiary_id: int, now: datetime, notify: bool = True
) -> list[int]:
    """Take a person off the list; return who moved up from the waiting list."""
    await lock_event(session, event)
    enrollment = await find_enrollment(session, event_id=event.id, beneficiary_id=beneficiary_id)
    if enrollment is None or enrollment.status == WITHDRAWN:
        raise Conflict("cette personne n'est pas inscrite à cette activité")
    enrollment.status = WITHDRAWN
    log.info("withdrawal", extra={"event_id": event.id, "enrollment_id": enrollment.id})
    coming = select(Occurrence.id).where(Occurrence.event_id == event.id, Occurrence.start > now)
    await repository.skip_pending(
        session,
        Reminder.occurrence_id.in_(coming) & (Reminder.beneficiary_id == beneficiary_id),
        reason=SKIP_NOT_ENROLLED,
        now=now,
    )
    await session.flush()
    return await fill_places(session, event=event, now=now, notify=notify)


async def fill_places(
    session: AsyncSession, *, event: Event, now: datetime, notify: bool = True
) -> list[int]:
    """Move people up from the waiting list while places are free; return who moved up."""
    await lock_event(session, event)
    stmt = (
        select(Enrollment)
        .where(Enrollment.event_id == event.id, Enrollment.status == WAITLISTED)
        .order_by(Enrollment.position)
    )
    if event.capacity is not None:
        free = event.capacity - await enrolled_count(session, event.id)
        if free <= 0:
            return []
        stmt = stmt.limit(free)
    promoted = list((await session.execute(stmt)).scalars())
    for enrollment in promoted:
        enrollment.status = ENROLLED
    await session.flush()
    ids = [e.beneficiary_id for e in promoted]
    if ids:
        await schedule.plan_event_reminders(session, event=event, now=now, beneficiary_ids=ids)
        if notify:
            await tell_enrolled(session, event=event, enrollments=promoted, now=now, promoted=True)
    return ids


async def tell_enrolled(
    session: AsyncSession,
    *,
    event: Event,
    enrollments: list[Enrollment],
    now: datetime,
    rank: int | None = None,
    promoted: bool = False,
) -> None:
    """Write to people where they stand: enrolled (with the next date) or waiting."""
    langs = await languages(session, [e.beneficiary_id for e in enrollments])
    coming = await schedule.next_occurrence(session, event_id=event.id, now=now)
    place = await place_of(session, event)
    specs = []
    for enrollment in enrollments:
        lang = langs.get(enrollment.beneficiary_id)
        words = {"title": event_text(event.texts, "title", lang), "position": str(rank or "")}
        if coming is not None:
            words.update(session_words(event, start=coming.start, language=lang, place=place))
        key = "enrolled" if coming is not None else "enrolled_no_session"
        if enrollment.status == WAITLISTED:
            key = "waitlisted"
        elif promoted:
            key = "promoted" if coming is not None else "enrolled_no_session"
        specs.append(
            automated(
                beneficiary_id=enrollment.beneficiary_id,
                text=text(key, lang, **words),
                origin=Origin("enrollment", str(enrollment.id)),
                dedup_key=f"enrollment:{enrollment.id}:{enrollment.status}:{enrollment.position}",
                # It names the next session: held back by quiet hours past its start, it is moot.
                expires_at=coming.start if coming is not None else None,
            )
        )
    await queue_messages(session, specs)


async def list_enrollments(session: AsyncSession, *, event_id: int) -> list[Enrollment]:
    """Return an event's list: enrolled first, then the waiting list in order, then withdrawn."""
    rows = await session.execute(
        select(Enrollment).where(Enrollment.event_id == event_id).order_by(Enrollment.position)
    )
    order = {ENROLLED: 0, WAITLISTED: 1, WITHDRAWN: 2}
    return sorted(rows.scalars(), key=lambda e: (order.get(e.status, 3), e.position))
