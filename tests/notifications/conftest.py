"""Builders for events, enrolments and the clock of the reminders tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Event, Message, Occurrence, Reminder, Site
from notifications.enrollments import enroll
from notifications.service import EventSpec, create_event
from tests.factories import create_person, create_site


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Monday 23 November 2026, 09:00 in Paris: the sending window is open.
NOW = utc(2026, 11, 23, 8, 0)


async def zone_c_site(session: AsyncSession, **kwargs: str) -> Site:
    site = await create_site(session, **kwargs)
    site.school_zone = "C"
    await session.flush()
    return site


async def workshop(
    session: AsyncSession,
    *,
    site: Site | None = None,
    start: datetime = datetime(2026, 11, 26, 14, 30),  # Thursday, local wall time
    minutes: int = 120,
    rrule: str | None = None,
    capacity: int | None = None,
    offsets: Sequence[str] = ("J-2@10:00", "H-2"),
    now: datetime = NOW,
    texts: dict[str, dict[str, str]] | None = None,
    **options: object,
) -> Event:
    site = site or await zone_c_site(session)
    spec = EventSpec(
        site_slug=site.slug,
        kind=str(options.pop("kind", "workshop")),
        texts=texts or {"fr": {"title": "Atelier cuisine"}, "en": {"title": "Cooking workshop"}},
        dtstart_local=start,
        duration=timedelta(minutes=minutes),
        rrule=rrule,
        place=str(options.pop("place", "Salle 2")),
        capacity=capacity,
        reminder_offsets=offsets,
        **options,  # type: ignore[arg-type]
    )
    return await create_event(session, spec=spec, now=now)


async def people(
    session: AsyncSession, count: int, *, site: Site, language: str = "fr", first: int = 0
) -> list[Beneficiary]:
    return [
        await create_person(
            session,
            site=site,
            first_name=f"P{first + i}",
            language=language,
            phone=f"+336120000{first + i:02d}",
        )
        for i in range(count)
    ]


async def enroll_all(
    session: AsyncSession, event: Event, persons: Sequence[Beneficiary], now: datetime = NOW
) -> None:
    for person in persons:
        await enroll(
            session, event=event, beneficiary_id=person.id, source="staff", now=now, notify=False
        )


async def occurrences(session: AsyncSession, event: Event) -> list[Occurrence]:
    rows = await session.execute(
        select(Occurrence).where(Occurrence.event_id == event.id).order_by(Occurrence.start)
    )
    return list(rows.scalars())


async def reminders(session: AsyncSession) -> list[Reminder]:
    rows = await session.execute(select(Reminder).order_by(Reminder.due_at, Reminder.id))
    return list(rows.scalars())


async def outgoing(session: AsyncSession, origin: str | None = None) -> list[Message]:
    stmt = select(Message).where(Message.direction == "out").order_by(Message.id)
    if origin is not None:
        stmt = stmt.where(Message.origin_kind == origin)
    return list((await session.execute(stmt)).scalars())
