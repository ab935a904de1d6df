"""Messages of the reminders domain: the session's words for a person, and the sending rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Event, Site
from gateway.channels.base import Choice
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, Priority
from notifications.dates import format_occurrence
from notifications.texts import event_text


def session_words(
    event: Event, *, start: datetime, language: str | None, place: str
) -> dict[str, str]:
    """Return the placeholders of one session as a person reads them, in their language."""
    lang = language or "fr"
    return {
        "title": event_text(event.texts, "title", lang),
        "text": event_text(event.texts, "text", lang),
        "when": format_occurrence(start, tz=event.timezone, lang=lang),
        "place": place,
    }


async def place_of(session: AsyncSession, event: Event) -> str:
    """Return where the event happens: its own place, or its site's name."""
    if event.place:
        return event.place
    name = await session.scalar(select(Site.name).where(Site.id == event.site_id))
    return name or ""


async def languages(session: AsyncSession, beneficiary_ids: Sequence[int]) -> dict[int, str]:
    """Return each person's language."""
    if not beneficiary_ids:
        return {}
    rows = await session.execute(
        select(Beneficiary.id, Beneficiary.language).where(Beneficiary.id.in_(beneficiary_ids))
    )
    return {pid: lang for pid, lang in rows.all()}


def automated(
    *,
    beneficiary_id: int,
    text: str,
    origin: Origin,
    dedup_key: str,
    expires_at: datetime | None = None,
    choices: tuple[Choice, ...] = (),
) -> OutgoingMessage:
    """Build a message Lien sends on its own: quiet hours apply, and it is sent once."""
    return OutgoingMessage(
        beneficiary_id=beneficiary_id,
        text=text,
        origin=origin,
        choices=choices,
        priority=Priority.REMINDER,
        respect_quiet_hours=True,
        expires_at=expires_at,
        dedup_key=dedup_key,
    )
