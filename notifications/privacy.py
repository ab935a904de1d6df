"""The activities' share of a person's data: enrolments, answers, attendance, mail notices."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Enrollment, Event, EventMenu, MailNotice, Occurrence, Rsvp
from gateway.privacy.core import KeptAsLongAsThePerson
from gateway.privacy.labels import section_texts
from gateway.privacy.sources import Exported
from notifications.enrollments import withdraw

# The export is read by the person: the words of each stored state, never the state itself.
from notifications.labels import ANSWER_WORDS, ENROLMENT_WORDS
from notifications.states import WITHDRAWN
from notifications.texts import event_text

LABELS = Path(__file__).parent / "privacy_labels.yaml"


def _said(words: dict[str, str], value: str | None) -> str:
    """Return the French word of a stored state; an empty cell where nothing was said."""
    return "" if value is None else words.get(value, "autre")


def _attended(value: bool | None) -> str:
    return "" if value is None else ("présent·e" if value else "absent·e")


def _title(event: Event) -> str:
    return event_text(event.texts or {}, "title", "fr") or f"activité {event.id}"


class ActivitiesSource(KeptAsLongAsThePerson):
    """Enrolments are withdrawn on erasure, so the waiting list moves up; answers stay anonymous."""

    name = "activities"

    def __init__(self) -> None:
        self.title, self.labels = section_texts(self.name, path=LABELS)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        rows: list[dict[str, object]] = []
        enrolments = await session.execute(
            select(Enrollment, Event)
            .join(Event, Enrollment.event_id == Event.id)
            .where(Enrollment.beneficiary_id == beneficiary_id)
            .order_by(Enrollment.id)
        )
        for enrolment, event in enrolments.all():
            rows.append(
                {
                    "kind": "inscription",
                    "event": _title(event),
                    "status": _said(ENROLMENT_WORDS, enrolment.status),
                    "date": enrolment.created_at.isoformat(),
                }
            )
        answers = await session.execute(
            select(Rsvp, Occurrence, Event)
            .join(Occurrence, Rsvp.occurrence_id == Occurrence.id)
            .join(Event, Occurrence.event_id == Event.id)
            .where(Rsvp.beneficiary_id == beneficiary_id)
            .order_by(Rsvp.id)
        )
        for rsvp, occurrence, event in answers.all():
            rows.append(
                {
                    "kind": "séance",
                    "event": _title(event),
                    "session": occurrence.start.isoformat(),
                    "answer": _said(ANSWER_WORDS, rsvp.response),
                    "attended": _attended(rsvp.attended),
                }
            )
        notices = await session.scalars(
            select(MailNotice).where(MailNotice.beneficiary_id == beneficiary_id)
        )
        for notice in notices:
            rows.append({"kind": "courrier arrivé", "date": notice.day.isoformat()})
        return rows

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        now = utcnow()
        active = await session.execute(
            select(Enrollment, Event)
            .join(Event, Enrollment.event_id == Event.id)
            .where(Enrollment.beneficiary_id == beneficiary_id, Enrollment.status != WITHDRAWN)
        )
        touched = 0
        for _enrolment, event in active.all():
            await withdraw(
                session, event=event, beneficiary_id=beneficiary_id, now=now, notify=False
            )
            touched += 1
        menus = await session.execute(
            delete(EventMenu).where(EventMenu.beneficiary_id == beneficiary_id)
        )
        return touched + int(getattr(menus, "rowcount", 0) or 0)
