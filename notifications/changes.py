"""Cancelling or moving one session, and telling everyone on its list."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrollment, Event, Message, Occurrence, OccurrenceChange, Reminder, Rsvp
from gateway import statuses
from gateway.exchange import Origin
from gateway.outbox import queue_messages
from notifications import repository, schedule
from notifications.sending import automated, languages, place_of, session_words
from notifications.states import (
    ACCEPTED,
    CANCELLED,
    ENROLLED,
    MOVED,
    OFFERED,
    SCHEDULED,
    SKIP_CANCELLED,
    Conflict,
    InvalidEvent,
    NotFound,
)
from notifications.texts import text

SKIP_MOVED = "séance déplacée : rappel refait pour le nouvel horaire"
log = logging.getLogger(__name__)


async def occurrence_at(
    session: AsyncSession, *, event: Event, original_start: datetime
) -> Occurrence:
    """Return the session the rule gave at `original_start`, writing it if still far away."""
    original_start = original_start.astimezone(UTC)
    row = await session.scalar(
        select(Occurrence).where(
            Occurrence.event_id == event.id, Occurrence.original_start == original_start
        )
    )
    if row is not None:
        return row
    dates = schedule.expand(
        event,
        zone=await schedule.school_zone(session, event),
        start=original_start,
        end=original_start + timedelta(seconds=1),
    )
    if not any(d.original_start == original_start for d in dates):
        raise NotFound(
            f"aucune séance de cette activité ne commence le {original_start:%d/%m/%Y %H:%M} UTC"
        )
    row = Occurrence(
        event_id=event.id,
        original_start=original_start,
        start=dates[0].start,
        end=dates[0].end,
        status=SCHEDULED,
    )
    session.add(row)
    await session.flush()
    return row


async def cancel_occurrence(
    session: AsyncSession,
    *,
    occurrence: Occurrence,
    event: Event,
    now: datetime,
    reason: str | None = None,
    staff_id: int | None = None,
    notify: bool = True,
) -> int:
    """Cancel a session: no reminder of it goes, everyone on its list is told; return how many."""
    _check_changeable(occurrence, now)
    previous = occurrence.start
    _record_change(session, occurrence, CANCELLED, previous, now, reason=reason, staff_id=staff_id)
    await repository.skip_pending(
        session, Reminder.occurrence_id == occurrence.id, reason=SKIP_CANCELLED, now=now
    )
    await session.flush()
    log.info("session cancelled", extra={"occurrence_id": occurrence.id, "staff_id": staff_id})
    if not notify:
        return 0
    # The reason staff typed is part of the notice, as written (often French only).
    key = "cancelled_notice_reason" if reason and reason.strip() else "cancelled_notice"
    return await _tell(
        session, occurrence, event, key=key, previous=previous, reason=(reason or "").strip()
    )


async def move_occurrence(
    session: AsyncSession,
    *,
    occurrence: Occurrence,
    event: Event,
    new_start_local: datetime,
    now: datetime,
    reason: str | None = None,
    staff_id: int | None = None,
    notify: bool = True,
) -> int:
    """Move a session to another local time, keeping its length; tell everyone on its list."""
    _check_changeable(occurrence, now)
    zone = ZoneInfo(event.timezone)
    local = (
        new_start_local.replace(tzinfo=None)
        if new_start_local.tzinfo is None
        else (new_start_local.astimezone(zone).replace(tzinfo=None))
    )
    start = local.replace(tzinfo=zone).astimezone(UTC)
    end = (local + timedelta(minutes=event.duration_minutes)).replace(tzinfo=zone).astimezone(UTC)
    if start <= now:
        raise InvalidEvent("le nouvel horaire est déjà passé")
    if start == occurrence.start:
        raise Conflict("la séance est déjà à cet horaire")
    previous = occurrence.start
    occurrence.start, occurrence.end = start, end
    _record_change(
        session, occurrence, MOVED, previous, now, reason=reason, staff_id=staff_id, new_start=start
    )
    await _replan(session, occurrence, event, now)
    log.info("session moved", extra={"occurrence_id": occurrence.id, "staff_id": staff_id})
    if not notify:
        return 0
    return await _tell(session, occurrence, event, key="moved_notice", previous=previous)


def _record_change(
    session: AsyncSession,
    occurrence: Occurrence,
    kind: str,
    previous: datetime,
    now: datetime,
    *,
    reason: str | None,
    staff_id: int | None,
    new_start: datetime | None = None,
) -> None:
    """Mark the session changed (a new revision) and keep the change in its history."""
    occurrence.status = kind
    occurrence.revision += 1
    session.add(
        OccurrenceChange(
            occurrence_id=occurrence.id,
            kind=kind,
            previous_start=previous,
            new_start=new_start,
            reason=reason,
            staff_id=staff_id,
            created_at=now,
        )
    )


def _check_changeable(occurrence: Occurrence, now: datetime) -> None:
    if occurrence.status == CANCELLED:
        raise Conflict("cette séance est déjà annulée")
    if occurrence.end <= now:
        raise Conflict("cette séance est terminée")


async def _replan(
    session: AsyncSession, occurrence: Occurrence, event: Event, now: datetime
) -> None:
    """Drop the reminders not yet sent, so that they are written again for the new time."""
    waiting = (
        await session.execute(
            select(Reminder.message_id)
            .join(Message, Message.id == Reminder.message_id)
            .where(Reminder.occurrence_id == occurrence.id, Message.status == statuses.QUEUED)
        )
    ).scalars()
    ids = [m for m in waiting if m is not None]
    await repository.cancel_messages(session, ids, SKIP_MOVED, now)
    await session.execute(
        delete(Reminder).where(
            Reminder.occurrence_id == occurrence.id,
            Reminder.message_id.is_(None) | Reminder.message_id.in_(ids),
        )
    )
    await session.flush()
    await schedule.plan_event_reminders(
        session, event=event, now=now, occurrence_ids=[occurrence.id]
    )


async def on_the_list(session: AsyncSession, occurrence: Occurrence) -> list[int]:
    """Return everyone concerned by a session: enrolled, or offered or given a place at it."""
    enrolled = await session.execute(
        select(Enrollment.beneficiary_id).where(
            Enrollment.event_id == occurrence.event_id, Enrollment.status == ENROLLED
        )
    )
    offers = await session.execute(
        select(Rsvp.beneficiary_id).where(
            Rsvp.occurrence_id == occurrence.id, Rsvp.offer.in_((OFFERED, ACCEPTED))
        )
    )
    return sorted(set(enrolled.scalars()) | set(offers.scalars()))


async def _tell(
    session: AsyncSession,
    occurrence: Occurrence,
    event: Event,
    *,
    key: str,
    previous: datetime,
    reason: str = "",
) -> int:
    people = await on_the_list(session, occurrence)
    langs = await languages(session, people)
    place = await place_of(session, event)
    specs = []
    for pid in people:
        lang = langs.get(pid)
        words = session_words(event, start=occurrence.start, language=lang, place=place)
        if key == "moved_notice":
            old = session_words(event, start=previous, language=lang, place=place)["when"]
            words["old_when"] = old
        else:
            words["when"] = session_words(event, start=previous, language=lang, place=place)["when"]
            words["reason"] = reason
        specs.append(
            automated(
                beneficiary_id=pid,
                text=text(key, lang, **words),
                origin=Origin("session_change", str(occurrence.id)),
                dedup_key=f"session:{occurrence.id}:{occurrence.revision}:{pid}",
                expires_at=max(previous, occurrence.start),
            )
        )
    results = await queue_messages(session, specs)
    return sum(1 for r in results if r.message_id is not None)
