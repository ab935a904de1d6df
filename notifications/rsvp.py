"""Answers to a reminder (coming or not), and places offered from the waiting list."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrollment, Event, Message, Occurrence, Reminder, Rsvp
from gateway import statuses
from gateway.exchange import Origin
from gateway.outbox import queue_messages
from notifications import repository, schedule
from notifications.enrollments import lock_event
from notifications.sending import automated, languages, place_of, session_words
from notifications.states import (
    ACCEPTED,
    CANCELLED,
    DECLINED,
    ENROLLED,
    LAPSED,
    NO,
    OFFERED,
    SKIP_DECLINED,
    WAITLISTED,
    YES,
)
from notifications.texts import text, yes_no_choices

# An offer nobody answered goes to the next person after this long.
OFFER_WAIT = timedelta(hours=6)
# What a person said with their answer, kept for the team.
NOTE_LENGTH = 300
_DEAD = (statuses.FAILED, statuses.EXPIRED, statuses.SUPPRESSED, statuses.CANCELLED)


class AnswerKind(enum.StrEnum):
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_DECLINED = "offer_declined"
    FULL = "full"
    TOO_LATE = "too_late"
    NOT_CONCERNED = "not_concerned"


async def rsvp_row(session: AsyncSession, *, occurrence_id: int, beneficiary_id: int) -> Rsvp:
    """Return the person's row for the session, creating it."""
    row = await session.scalar(
        select(Rsvp).where(
            Rsvp.occurrence_id == occurrence_id, Rsvp.beneficiary_id == beneficiary_id
        )
    )
    if row is None:
        row = Rsvp(occurrence_id=occurrence_id, beneficiary_id=beneficiary_id)
        session.add(row)
        await session.flush()
    return row


async def expected_people(session: AsyncSession, occurrence: Occurrence) -> set[int]:
    """Return who holds a place at the session: enrolled and not declined, or offer taken."""
    enrolled = set(
        (
            await session.execute(
                select(Enrollment.beneficiary_id).where(
                    Enrollment.event_id == occurrence.event_id, Enrollment.status == ENROLLED
                )
            )
        ).scalars()
    )
    rows = (
        await session.execute(select(Rsvp).where(Rsvp.occurrence_id == occurrence.id))
    ).scalars()
    for row in rows:
        if row.response == NO:
            enrolled.discard(row.beneficiary_id)
        elif row.offer == ACCEPTED:
            enrolled.add(row.beneficiary_id)
    return enrolled


async def free_places(session: AsyncSession, occurrence: Occurrence, event: Event) -> int | None:
    """Return the places neither held nor offered and awaiting an answer; None if unlimited."""
    if event.capacity is None:
        return None
    offered = await session.scalar(
        select(func.count()).where(Rsvp.occurrence_id == occurrence.id, Rsvp.offer == OFFERED)
    )
    held = len(await expected_people(session, occurrence))
    return event.capacity - held - int(offered or 0)


async def answer(
    session: AsyncSession,
    *,
    occurrence: Occurrence,
    event: Event,
    beneficiary_id: int,
    yes: bool,
    now: datetime,
) -> AnswerKind:
    """Record whether a person comes to a session; a "no" offers the place to the next one."""
    if occurrence.status == CANCELLED or occurrence.start <= now:
        return AnswerKind.TOO_LATE
    await lock_event(session, event)
    existing = await session.scalar(
        select(Rsvp.offer).where(
            Rsvp.occurrence_id == occurrence.id, Rsvp.beneficiary_id == beneficiary_id
        )
    )
    enrollment = await session.scalar(
        select(Enrollment.status).where(
            Enrollment.event_id == event.id, Enrollment.beneficiary_id == beneficiary_id
        )
    )
    if enrollment != ENROLLED and existing not in (OFFERED, ACCEPTED, LAPSED):
        return AnswerKind.NOT_CONCERNED
    row = await rsvp_row(session, occurrence_id=occurrence.id, beneficiary_id=beneficiary_id)
    if not yes:
        return await _decline(session, row, occurrence, event, now, offer=enrollment != ENROLLED)
    if row.offer == OFFERED or row.offer == ACCEPTED or row.response == YES:
        kind = AnswerKind.OFFER_ACCEPTED if row.offer == OFFERED else AnswerKind.CONFIRMED
    elif row.response == NO or row.offer == LAPSED:
        # Their place may have gone to someone else meanwhile.
        free = await free_places(session, occurrence, event)
        if free is not None and free <= 0:
            return AnswerKind.FULL
        kind = AnswerKind.OFFER_ACCEPTED if row.offer == LAPSED else AnswerKind.CONFIRMED
    else:
        kind = AnswerKind.CONFIRMED
    if kind is AnswerKind.OFFER_ACCEPTED:
        row.offer = ACCEPTED
    row.response, row.responded_at = YES, now
    await session.execute(
        update(Reminder)
        .where(
            Reminder.occurrence_id == occurrence.id,
            Reminder.beneficiary_id == beneficiary_id,
            Reminder.skipped_reason == SKIP_DECLINED,
            Reminder.due_at > now,
        )
        .values(skipped_reason=None)
    )
    await session.flush()
    await schedule.plan_event_reminders(
        session,
        event=event,
        now=now,
        occurrence_ids=[occurrence.id],
        beneficiary_ids=[beneficiary_id],
    )
    return kind


async def _decline(
    session: AsyncSession,
    row: Rsvp,
    occurrence: Occurrence,
    event: Event,
    now: datetime,
    *,
    offer: bool,
) -> AnswerKind:
    row.response, row.responded_at = NO, now
    if row.offer in (OFFERED, ACCEPTED, LAPSED):
        row.offer = DECLINED
    await repository.skip_pending(
        session,
        (Reminder.occurrence_id == occurrence.id) & (Reminder.beneficiary_id == row.beneficiary_id),
        reason=SKIP_DECLINED,
        now=now,
    )
    await session.flush()
    await offer_places(session, occurrence=occurrence, event=event, now=now)
    return AnswerKind.OFFER_DECLINED if offer else AnswerKind.DECLINED


async def offer_places(
    session: AsyncSession, *, occurrence: Occurrence, event: Event, now: datetime
) -> list[int]:
    """Offer each free place of the session to the next waiting person; return who got one."""
    if occurrence.status == CANCELLED or occurrence.start <= now:
        return []
    free = await free_places(session, occurrence, event)
    offered: list[int] = []
    while free is not None and free > 0:
        candidate = await _next_waiting(session, occurrence)
        if candidate is None:
            break
        row = await rsvp_row(session, occurrence_id=occurrence.id, beneficiary_id=candidate)
        row.offer, row.offered_at = OFFERED, now
        await session.flush()
        if await _send_offer(session, row, occurrence, event):
            offered.append(candidate)
            free -= 1
        else:
            row.offer = LAPSED
    return offered


async def _next_waiting(session: AsyncSession, occurrence: Occurrence) -> int | None:
    asked = select(Rsvp.beneficiary_id).where(
        Rsvp.occurrence_id == occurrence.id,
        (Rsvp.offer.is_not(None)) | (Rsvp.response == NO),
    )
    return await session.scalar(
        select(Enrollment.beneficiary_id)
        .where(
            Enrollment.event_id == occurrence.event_id,
            Enrollment.status == WAITLISTED,
            Enrollment.beneficiary_id.not_in(asked),
        )
        .order_by(Enrollment.position)
        .limit(1)
    )


async def _send_offer(
    session: AsyncSession, row: Rsvp, occurrence: Occurrence, event: Event
) -> bool:
    lang = (await languages(session, [row.beneficiary_id])).get(row.beneficiary_id)
    words = session_words(
        event, start=occurrence.start, language=lang, place=await place_of(session, event)
    )
    (queued,) = await queue_messages(
        session,
        [
            automated(
                beneficiary_id=row.beneficiary_id,
                text=text("offer", lang, **words),
                origin=Origin("offer", str(row.id)),
                dedup_key=f"offer:{row.id}",
                expires_at=occurrence.start,
                choices=yes_no_choices(lang),
            )
        ],
    )
    row.offer_message_id = queued.message_id
    return queued.message_id is not None


async def lapse_offers(session: AsyncSession, *, now: datetime) -> int:
    """Pass on the offers nobody answered in time, or that could not be delivered."""
    rows = await session.execute(
        select(Rsvp, Message.status, Message.sent_at)
        .join(Message, Message.id == Rsvp.offer_message_id, isouter=True)
        .where(Rsvp.offer == OFFERED)
        .with_for_update(of=Rsvp, skip_locked=True)
    )
    lapsed: list[Rsvp] = []
    for row, status, sent_at in rows.all():
        if (
            status is None
            or status in _DEAD
            or (sent_at is not None and sent_at + OFFER_WAIT <= now)
        ):
            row.offer = LAPSED
            lapsed.append(row)
    await session.flush()
    for occurrence_id in sorted({r.occurrence_id for r in lapsed}):
        occurrence = await session.get_one(Occurrence, occurrence_id)
        event = await session.get_one(Event, occurrence.event_id)
        await offer_places(session, occurrence=occurrence, event=event, now=now)
    return len(lapsed)
