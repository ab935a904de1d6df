"""What the events pages show: a week of sessions, an event's list, a session's people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Enrollment, Event, Site
from notifications.enrollments import list_enrollments
from notifications.service import SessionView, list_events, list_occurrences
from notifications.texts import event_text

UPCOMING_WEEKS = 8
# Pages of eight weeks reach two years ahead, as far as sessions are listed.
LAST_PAGE = 12


@dataclass(frozen=True)
class CalendarLine:
    event: Event
    title: str
    site: str
    session: SessionView


@dataclass(frozen=True)
class CalendarDay:
    day: date
    lines: list[CalendarLine]


@dataclass(frozen=True)
class ListLine:
    enrollment: Enrollment
    name: str


def title_of(event: Event) -> str:
    return event_text(event.texts, "title", "fr")


def local_midnight(day: date, timezone: str) -> datetime:
    """Return the start of a local day, in UTC."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


async def week_of_sessions(
    session: AsyncSession, *, site_slug: str | None, monday: date, timezone: str
) -> list[CalendarDay]:
    """Return the seven days from `monday` with every active event's sessions, in time order."""
    start = local_midnight(monday, timezone)
    end = local_midnight(monday + timedelta(days=7), timezone)
    sites = {s.id: s.name for s in (await session.execute(select(Site))).scalars()}
    found: list[CalendarLine] = []
    for event in await list_events(session, site_slug=site_slug):
        title = title_of(event)
        for one in await list_occurrences(session, event=event, start=start, end=end):
            found.append(CalendarLine(event, title, sites.get(event.site_id, ""), one))
    found.sort(key=lambda line: (line.session.start, line.title))
    zone = ZoneInfo(timezone)
    days = [monday + timedelta(days=n) for n in range(7)]
    return [
        CalendarDay(day, [f for f in found if f.session.start.astimezone(zone).date() == day])
        for day in days
    ]


async def upcoming_sessions(
    session: AsyncSession, *, event: Event, now: datetime, page: int = 0
) -> list[SessionView]:
    """Return one page of the event's coming sessions (8 weeks each), cancelled ones included."""
    start = now - timedelta(hours=12) + timedelta(weeks=UPCOMING_WEEKS * page)
    return await list_occurrences(
        session, event=event, start=start, end=start + timedelta(weeks=UPCOMING_WEEKS)
    )


async def sessions_after_page(
    session: AsyncSession, *, event: Event, now: datetime, page: int
) -> bool:
    """Tell whether the series has sessions after this page (within the pages shown)."""
    if page >= LAST_PAGE:
        return False
    start = now - timedelta(hours=12) + timedelta(weeks=UPCOMING_WEEKS * (page + 1))
    end = now + timedelta(weeks=UPCOMING_WEEKS * (LAST_PAGE + 1))
    return bool(await list_occurrences(session, event=event, start=start, end=end))


async def enrolment_list(session: AsyncSession, *, event_id: int) -> list[ListLine]:
    """Return the event's list with each person's name."""
    enrollments = await list_enrollments(session, event_id=event_id)
    ids = {e.beneficiary_id for e in enrollments}
    names: dict[int, str] = {}
    if ids:
        rows = await session.execute(
            select(Beneficiary.id, Beneficiary.first_name, Beneficiary.last_name).where(
                Beneficiary.id.in_(ids)
            )
        )
        names = {pid: " ".join(p for p in (first, last) if p) for pid, first, last in rows.all()}
    return [ListLine(e, names.get(e.beneficiary_id, "")) for e in enrollments]
