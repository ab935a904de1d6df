"""The SQL of the reminders domain: set-based writes that restarts and several workers share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, exists, literal, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base, UTCDateTime
from db.models import Enrollment, Message, Occurrence, Reminder, Rsvp
from gateway import statuses
from gateway.exchange import log_status
from notifications.states import ACCEPTED, ENROLLED, NO

REMINDER_COLUMNS = [
    "occurrence_id",
    "beneficiary_id",
    "offset_key",
    "due_at",
    "created_at",
    "skipped_reason",
]


def upsert_table(session: AsyncSession, model: type[Base]) -> Any:
    """Return an INSERT for the session's dialect, which knows ON CONFLICT."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def pending() -> ColumnElement[bool]:
    """Select reminders neither queued nor skipped yet."""
    return Reminder.message_id.is_(None) & Reminder.skipped_reason.is_(None)


async def insert_occurrences(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Write sessions unless already there: a cancelled or moved one keeps its row."""
    if rows:
        stmt = upsert_table(session, Occurrence).on_conflict_do_nothing()
        await session.execute(stmt, list(rows))


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder time of one session, for everyone expected at it."""

    occurrence_id: int
    event_id: int
    offset_key: str
    due_at: datetime
    # Written already skipped, with why (outside sending hours too close to another one).
    skipped_reason: str | None = None


async def plan_reminders(
    session: AsyncSession,
    planned: Sequence[PlannedReminder],
    *,
    now: datetime,
    beneficiary_ids: Sequence[int] | None = None,
) -> int:
    """Write the reminders of the expected people in one INSERT … SELECT per session time."""
    count = 0
    for item in planned:
        source = _expected_people(item, now=now, beneficiary_ids=beneficiary_ids)
        stmt = (
            upsert_table(session, Reminder)
            .from_select(REMINDER_COLUMNS, source)
            .on_conflict_do_nothing()
        )
        result = await session.execute(stmt)
        count += max(getattr(result, "rowcount", 0) or 0, 0)
    return count


def _expected_people(
    item: PlannedReminder, *, now: datetime, beneficiary_ids: Sequence[int] | None
) -> Any:
    enrolled = select(Enrollment.beneficiary_id.label("beneficiary_id")).where(
        Enrollment.event_id == item.event_id, Enrollment.status == ENROLLED
    )
    offered = select(Rsvp.beneficiary_id.label("beneficiary_id")).where(
        Rsvp.occurrence_id == item.occurrence_id, Rsvp.offer == ACCEPTED
    )
    people = union(enrolled, offered).subquery()
    declined = exists().where(
        Rsvp.occurrence_id == item.occurrence_id,
        Rsvp.beneficiary_id == people.c.beneficiary_id,
        Rsvp.response == NO,
    )
    source = select(
        literal(item.occurrence_id),
        people.c.beneficiary_id,
        literal(item.offset_key),
        literal(item.due_at, UTCDateTime()),
        literal(now, UTCDateTime()),
        literal(item.skipped_reason, String(200)),
    ).where(~declined)
    if beneficiary_ids is not None:
        source = source.where(people.c.beneficiary_id.in_(beneficiary_ids))
    return source


@dataclass(frozen=True)
class DueReminder:
    id: int
    occurrence_id: int
    beneficiary_id: int
    offset_key: str
    due_at: datetime


async def due_reminders(session: AsyncSession, *, now: datetime, limit: int) -> list[DueReminder]:
    """Lock the reminders due and not yet handled; another worker skips them."""
    rows = await session.execute(
        select(
            Reminder.id,
            Reminder.occurrence_id,
            Reminder.beneficiary_id,
            Reminder.offset_key,
            Reminder.due_at,
        )
        .where(pending(), Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [DueReminder(*row) for row in rows.all()]


async def set_reminders(session: AsyncSession, changes: Sequence[dict[str, Any]]) -> None:
    """Update reminders by id: one statement per skip reason, one batch for the queued."""
    reasons: dict[str, list[int]] = {}
    queued: list[dict[str, Any]] = []
    for change in changes:
        if set(change) == {"id", "skipped_reason"}:
            reasons.setdefault(change["skipped_reason"], []).append(change["id"])
        else:
            queued.append(change)
    for reason, ids in reasons.items():
        await session.execute(
            update(Reminder).where(Reminder.id.in_(ids)).values(skipped_reason=reason)
        )
    if queued:
        await session.execute(update(Reminder), queued)


async def skip_pending(
    session: AsyncSession, where: ColumnElement[bool], *, reason: str, now: datetime
) -> int:
    """Mark pending reminders as not to be sent, and cancel those queued but not yet sent."""
    skipped = await session.execute(
        update(Reminder).where(pending(), where).values(skipped_reason=reason)
    )
    queued = (
        await session.execute(
            select(Reminder.message_id).where(Reminder.message_id.is_not(None), where)
        )
    ).scalars()
    cancelled = await cancel_messages(session, [m for m in queued if m is not None], reason, now)
    return max(getattr(skipped, "rowcount", 0) or 0, 0) + cancelled


async def cancel_messages(
    session: AsyncSession, message_ids: Sequence[int], reason: str, now: datetime
) -> int:
    """Cancel messages still waiting in the outbox; one being sent or sent is left alone."""
    if not message_ids:
        return 0
    waiting = (
        await session.execute(
            select(Message)
            .where(Message.id.in_(message_ids), Message.status == statuses.QUEUED)
            .with_for_update()
        )
    ).scalars()
    count = 0
    for message in waiting:
        await log_status(session, message, statuses.CANCELLED, detail=reason, at=now)
        count += 1
    return count


async def message_ids_by_key(session: AsyncSession, keys: Sequence[str]) -> dict[str, int]:
    """Return the messages already queued under these dedup keys."""
    if not keys:
        return {}
    rows = await session.execute(
        select(Message.dedup_key, Message.id).where(Message.dedup_key.in_(keys))
    )
    return {key: mid for key, mid in rows.all() if key is not None}
