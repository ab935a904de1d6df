"""A person's part in the activities, for their record: lists, answers, presence, mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Enrollment, Event, MailNotice, Occurrence, Rsvp
from notifications.states import NotFound
from notifications.texts import event_text


@dataclass(frozen=True)
class ListEntry:
    event_id: int
    title: str
    status: str
    source: str
    since: datetime


@dataclass(frozen=True)
class SessionEntry:
    occurrence_id: int
    event_id: int
    title: str
    start: datetime
    session_status: str
    response: str | None
    offer: str | None
    attended: bool | None


@dataclass(frozen=True)
class PersonActivity:
    lists: list[ListEntry]
    sessions: list[SessionEntry]
    mail_days: list[date]


async def person_activity(session: AsyncSession, *, beneficiary_id: int) -> PersonActivity:
    """Return what a person is enrolled in, what they answered, attended and received."""
    person = await session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound(f"bénéficiaire introuvable : {beneficiary_id}")
    enrolments = await session.execute(
        select(Enrollment, Event)
        .join(Event, Event.id == Enrollment.event_id)
        .where(Enrollment.beneficiary_id == beneficiary_id)
        .order_by(Enrollment.created_at, Enrollment.id)
    )
    answers = await session.execute(
        select(Rsvp, Occurrence, Event)
        .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
        .join(Event, Event.id == Occurrence.event_id)
        .where(Rsvp.beneficiary_id == beneficiary_id)
        .order_by(Occurrence.start)
    )
    mail = await session.execute(
        select(MailNotice.day)
        .where(MailNotice.beneficiary_id == beneficiary_id)
        .order_by(MailNotice.day)
    )
    return PersonActivity(
        lists=[
            ListEntry(e.id, event_text(e.texts, "title", "fr"), en.status, en.source, en.created_at)
            for en, e in enrolments.all()
        ],
        sessions=[
            SessionEntry(
                o.id,
                e.id,
                event_text(e.texts, "title", "fr"),
                o.start,
                o.status,
                r.response,
                r.offer,
                r.attended,
            )
            for r, o, e in answers.all()
        ],
        mail_days=list(mail.scalars()),
    )
