"""Queueing the reminders that are due: once each, never for a session already begun."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrollment, Event, Occurrence, Reminder, Rsvp, Site
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_messages
from notifications import repository
from notifications.repository import DueReminder
from notifications.sending import automated, languages, session_words
from notifications.states import (
    ACCEPTED,
    ACTIVE,
    CANCELLED,
    ENROLLED,
    NO,
    SKIP_ARCHIVED,
    SKIP_CANCELLED,
    SKIP_DECLINED,
    SKIP_NOT_ENROLLED,
    SKIP_STARTED,
    SKIP_SUPERSEDED,
)
from notifications.texts import fill_template, reminder_template, text, yes_no_choices

BATCH = 1000
# A catch-up after downtime goes over several ticks, never holding the database for long.
MAX_PER_TICK = 5000


@dataclass
class QueueReport:
    queued: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class _Context:
    occurrences: dict[int, Occurrence]
    events: dict[int, Event]
    places: dict[int, str]
    languages: dict[int, str]
    enrolled: set[tuple[int, int]]  # (event, person)
    answers: dict[tuple[int, int], Rsvp]  # (occurrence, person)
    bodies: dict[tuple[int, str], str] = field(default_factory=dict)


async def queue_due_reminders(
    session: AsyncSession, *, now: datetime, batch: int = BATCH, limit: int = MAX_PER_TICK
) -> QueueReport:
    """Queue every due reminder, or record why it is not sent; return the counts."""
    report = QueueReport()
    while report.queued + report.skipped < limit:
        due = await repository.due_reminders(session, now=now, limit=batch)
        if due:
            await _handle(session, due, now, report)
        if len(due) < batch:
            break
    return report


async def _handle(
    session: AsyncSession, due: list[DueReminder], now: datetime, report: QueueReport
) -> None:
    ctx = await _context(session, due)
    siblings = await _due_siblings(session, due, now)
    # Ordered by due time: the last one of a session and person is the one to send.
    latest = {(s.occurrence_id, s.beneficiary_id): s.id for s in siblings}
    changes: list[dict[str, Any]] = []
    sending: list[tuple[DueReminder, OutgoingMessage]] = []
    for item in due:
        reason = _reason_not_to_send(item, ctx, now, latest)
        if reason is not None:
            changes.append({"id": item.id, "skipped_reason": reason})
        else:
            sending.append((item, _message(item, ctx)))
    results = await queue_messages(session, [spec for _, spec in sending])
    repeated = [spec.dedup_key or "" for (_, spec), r in zip(sending, results, strict=True)]
    known = await repository.message_ids_by_key(
        session, [key for key, r in zip(repeated, results, strict=True) if r.duplicate]
    )
    queued: list[DueReminder] = []
    for (item, spec), result in zip(sending, results, strict=True):
        message_id = result.message_id or known.get(spec.dedup_key or "")
        if message_id is not None:
            changes.append({"id": item.id, "message_id": message_id, "queued_at": now})
            queued.append(item)
        else:
            changes.append({"id": item.id, "skipped_reason": (result.skipped or "")[:200]})
    await repository.set_reminders(session, changes)
    await _cancel_older_waiting(session, queued, siblings, now)
    report.queued += len(queued)
    report.skipped += len(due) - len(queued)


def _reason_not_to_send(
    item: DueReminder, ctx: _Context, now: datetime, latest: dict[tuple[int, int], int]
) -> str | None:
    occurrence = ctx.occurrences[item.occurrence_id]
    event = ctx.events[occurrence.event_id]
    answer = ctx.answers.get((item.occurrence_id, item.beneficiary_id))
    if occurrence.start <= now:
        return SKIP_STARTED
    if occurrence.status == CANCELLED:
        return SKIP_CANCELLED
    if event.status != ACTIVE:
        return SKIP_ARCHIVED
    if answer is not None and answer.response == NO:
        return SKIP_DECLINED
    took_offer = answer is not None and answer.offer == ACCEPTED
    if (event.id, item.beneficiary_id) not in ctx.enrolled and not took_offer:
        return SKIP_NOT_ENROLLED
    # After downtime several reminders of one session can be due together: send the last.
    if latest[(item.occurrence_id, item.beneficiary_id)] != item.id:
        return SKIP_SUPERSEDED
    return None


def _message(item: DueReminder, ctx: _Context) -> OutgoingMessage:
    occurrence = ctx.occurrences[item.occurrence_id]
    lang = ctx.languages.get(item.beneficiary_id, "fr")
    return automated(
        beneficiary_id=item.beneficiary_id,
        text=_body(ctx, occurrence.id, lang),
        origin=Origin("reminder", str(item.id)),
        dedup_key=f"reminder:{item.id}",
        expires_at=occurrence.start,
        choices=yes_no_choices(lang),
    )


def _body(ctx: _Context, occurrence_id: int, lang: str) -> str:
    """Write a session's reminder once per language, however many people get it."""
    key = (occurrence_id, lang)
    if key not in ctx.bodies:
        occurrence = ctx.occurrences[occurrence_id]
        event = ctx.events[occurrence.event_id]
        place = ctx.places[event.id]
        words = session_words(event, start=occurrence.start, language=lang, place=place)
        body = fill_template(reminder_template(event.texts, lang), **words)
        ctx.bodies[key] = f"{body}\n{text('rsvp_question', lang)}"
    return ctx.bodies[key]


async def _due_siblings(session: AsyncSession, due: list[DueReminder], now: datetime) -> list[Any]:
    """Return every reminder already due of the same sessions and people, by due time."""
    rows = await session.execute(
        select(Reminder.occurrence_id, Reminder.beneficiary_id, Reminder.id, Reminder.message_id)
        .where(
            Reminder.occurrence_id.in_(sorted({d.occurrence_id for d in due})),
            Reminder.beneficiary_id.in_(sorted({d.beneficiary_id for d in due})),
            Reminder.due_at <= now,
        )
        .order_by(Reminder.due_at, Reminder.id)
    )
    return list(rows.all())


async def _context(session: AsyncSession, due: list[DueReminder]) -> _Context:
    occurrence_ids = sorted({d.occurrence_id for d in due})
    people = sorted({d.beneficiary_id for d in due})
    occurrences = {
        o.id: o
        for o in (
            await session.execute(select(Occurrence).where(Occurrence.id.in_(occurrence_ids)))
        ).scalars()
    }
    event_ids = sorted({o.event_id for o in occurrences.values()})
    events = {
        e.id: e
        for e in (await session.execute(select(Event).where(Event.id.in_(event_ids)))).scalars()
    }
    enrolled = await session.execute(
        select(Enrollment.event_id, Enrollment.beneficiary_id).where(
            Enrollment.event_id.in_(event_ids),
            Enrollment.beneficiary_id.in_(people),
            Enrollment.status == ENROLLED,
        )
    )
    answers = await session.execute(
        select(Rsvp).where(Rsvp.occurrence_id.in_(occurrence_ids), Rsvp.beneficiary_id.in_(people))
    )
    return _Context(
        occurrences=occurrences,
        events=events,
        places=await _places(session, event_ids),
        languages=await languages(session, people),
        enrolled=set(enrolled.all()),
        answers={(a.occurrence_id, a.beneficiary_id): a for a in answers.scalars()},
    )


async def _places(session: AsyncSession, event_ids: list[int]) -> dict[int, str]:
    rows = await session.execute(
        select(Event.id, Event.place, Site.name)
        .join(Site, Site.id == Event.site_id)
        .where(Event.id.in_(event_ids))
    )
    return {eid: place or site for eid, place, site in rows.all()}


async def _cancel_older_waiting(
    session: AsyncSession, queued: Sequence[DueReminder], siblings: list[Any], now: datetime
) -> None:
    """Cancel an earlier reminder of the same session still held back by quiet hours."""
    pairs = {(q.occurrence_id, q.beneficiary_id) for q in queued}
    just_queued = {q.id for q in queued}
    earlier = [
        s.message_id
        for s in siblings
        if s.message_id is not None
        and s.id not in just_queued
        and (s.occurrence_id, s.beneficiary_id) in pairs
    ]
    # Only those still waiting in the outbox are cancelled; one already sent stays sent.
    await repository.cancel_messages(session, earlier, SKIP_SUPERSEDED, now)
