"""What staff see of one session: who comes, who declined, who did not answer, who was there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Enrollment, Event, Message, Occurrence, Reminder, Rsvp
from notifications.changes import on_the_list
from notifications.rsvp import rsvp_row
from notifications.states import CANCELLED, NO, YES, Conflict, NotFound

CONFIRMED, DECLINED_ANSWER, NO_ANSWER = "confirmed", "declined", "no_answer"
# Presence can be taken from a little before the start, as people arrive.
EARLY_ATTENDANCE = timedelta(hours=1)


@dataclass(frozen=True)
class ReminderState:
    """A reminder as staff see it: planned, skipped (and why), or its message's status."""

    offset_key: str
    due_at: datetime
    status: str
    detail: str | None
    message_id: int | None


@dataclass(frozen=True)
class RosterLine:
    beneficiary_id: int
    name: str
    enrollment: str | None
    answer: str
    offer: str | None
    attended: bool | None
    reminders: list[ReminderState]
    note: str | None = None


@dataclass(frozen=True)
class Roster:
    occurrence: Occurrence
    event: Event
    lines: list[RosterLine]

    def count(self, answer: str) -> int:
        return sum(1 for line in self.lines if line.answer == answer)


async def get_occurrence(session: AsyncSession, occurrence_id: int) -> tuple[Occurrence, Event]:
    """Return a written session and its event, or raise NotFound."""
    occurrence = await session.get(Occurrence, occurrence_id)
    if occurrence is None:
        raise NotFound(f"séance introuvable : {occurrence_id}")
    return occurrence, await session.get_one(Event, occurrence.event_id)


async def roster(session: AsyncSession, *, occurrence_id: int) -> Roster:
    """Return everyone concerned by a session with their answer, presence and reminders."""
    occurrence, event = await get_occurrence(session, occurrence_id)
    answers = {
        r.beneficiary_id: r
        for r in (
            await session.execute(select(Rsvp).where(Rsvp.occurrence_id == occurrence.id))
        ).scalars()
    }
    reminders: dict[int, list[ReminderState]] = {}
    rows = await session.execute(
        select(Reminder, Message.status)
        .join(Message, Message.id == Reminder.message_id, isouter=True)
        .where(Reminder.occurrence_id == occurrence.id)
        .order_by(Reminder.due_at, Reminder.id)
    )
    for reminder, status in rows.all():
        reminders.setdefault(reminder.beneficiary_id, []).append(_state(reminder, status))
    # Someone withdrawn from the list, who never answered, is no longer part of the session.
    people = sorted(set(await on_the_list(session, occurrence)) | set(answers))
    names, enrollments = await _people(session, event.id, people)
    lines = []
    for pid in people:
        answer = answers.get(pid)
        lines.append(
            RosterLine(
                beneficiary_id=pid,
                name=names.get(pid, ""),
                enrollment=enrollments.get(pid),
                answer=_answer(answer),
                offer=answer.offer if answer else None,
                attended=answer.attended if answer else None,
                reminders=reminders.get(pid, []),
                note=answer.note if answer else None,
            )
        )
    return Roster(occurrence, event, lines)


def _answer(row: Rsvp | None) -> str:
    if row is None or row.response is None:
        return NO_ANSWER
    return (
        CONFIRMED if row.response == YES else DECLINED_ANSWER if row.response == NO else NO_ANSWER
    )


def _state(reminder: Reminder, message_status: str | None) -> ReminderState:
    if message_status is not None:
        status, detail = message_status, None
    elif reminder.skipped_reason is not None:
        status, detail = "skipped", reminder.skipped_reason
    else:
        status, detail = "planned", None
    return ReminderState(reminder.offset_key, reminder.due_at, status, detail, reminder.message_id)


async def _people(
    session: AsyncSession, event_id: int, people: list[int]
) -> tuple[dict[int, str], dict[int, str]]:
    if not people:
        return {}, {}
    rows = await session.execute(
        select(Beneficiary.id, Beneficiary.first_name, Beneficiary.last_name).where(
            Beneficiary.id.in_(people)
        )
    )
    names = {pid: " ".join(p for p in (first, last) if p) for pid, first, last in rows.all()}
    statuses = await session.execute(
        select(Enrollment.beneficiary_id, Enrollment.status).where(
            Enrollment.event_id == event_id, Enrollment.beneficiary_id.in_(people)
        )
    )
    return names, dict(statuses.all())


async def record_attendance(
    session: AsyncSession,
    *,
    occurrence_id: int,
    beneficiary_id: int,
    present: bool,
    now: datetime,
    staff_id: int | None = None,
) -> Rsvp:
    """Record whether a person came to a session."""
    occurrence, _ = await get_occurrence(session, occurrence_id)
    if occurrence.status == CANCELLED:
        raise Conflict("cette séance a été annulée")
    if occurrence.start - EARLY_ATTENDANCE > now:
        raise Conflict("la présence se note à partir du début de la séance")
    if await session.get(Beneficiary, beneficiary_id) is None:
        raise NotFound(f"bénéficiaire introuvable : {beneficiary_id}")
    row = await rsvp_row(session, occurrence_id=occurrence_id, beneficiary_id=beneficiary_id)
    row.attended, row.attendance_at, row.attendance_by = present, now, staff_id
    await session.flush()
    return row
