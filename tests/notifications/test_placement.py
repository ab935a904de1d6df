"""Where reminders go when their time falls outside sending hours, over a whole year."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Reminder
from gateway.quiet_hours import SendingWindow, is_open
from notifications.offsets import parse_offset
from notifications.placement import SKIP_AFTER_START, SKIP_TOO_CLOSE, Placement, place_reminders
from notifications.schedule import HORIZON, materialise_due
from tests.notifications.conftest import (
    NOW,
    enroll_all,
    occurrences,
    people,
    reminders,
    workshop,
    zone_c_site,
)

PARIS = ZoneInfo("Europe/Paris")
WINDOW = SendingWindow()
FRENCH = holidays.country_holidays("FR", years=range(2026, 2029))


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def placed(start: datetime, *offsets: str) -> dict[str, Placement]:
    dues = [(o.key, o.due_at(start, tz="Europe/Paris")) for o in map(parse_offset, offsets)]
    return {p.key: p for p in place_reminders(dues, start=start, window=WINDOW)}


def open_day(day: date) -> bool:
    return day.weekday() != 6 and day not in FRENCH


def tuesdays(year: int) -> list[date]:
    first = date(year, 1, 1) + timedelta(days=(1 - date(year, 1, 1).weekday()) % 7)
    return [
        first + timedelta(weeks=n) for n in range(53) if (first + timedelta(weeks=n)).year == year
    ]


def expected_sunday_reminder(tuesday: date) -> datetime:
    """J-2 at 10:00 is a Sunday: Saturday evening if open, else the first opening after."""
    saturday, monday = tuesday - timedelta(days=3), tuesday - timedelta(days=1)
    if open_day(saturday):
        return paris(saturday, 19, 59)
    return paris(monday if open_day(monday) else tuesday, 8)


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_every_tuesday_workshop_of_the_year_gets_reminders_that_can_leave(year: int) -> None:
    for tuesday in tuesdays(year):
        start = paris(tuesday, 14, 30)
        result = placed(start, "J-2@10:00", "H-2")
        j2, h2 = result["J-2@10:00"], result["H-2"]

        assert (j2.due_at, j2.moved, j2.skipped_reason) == (
            expected_sunday_reminder(tuesday),
            True,
            None,
        ), tuesday
        if open_day(tuesday):
            assert (h2.due_at, h2.moved) == (paris(tuesday, 12, 30), False), tuesday
        kept = sorted(p.due_at for p in result.values() if p.skipped_reason is None)
        assert all(is_open(WINDOW, at) and at < start for at in kept), tuesday
        assert all(b - a >= timedelta(hours=2) for a, b in itertools.pairwise(kept))
        for p in result.values():
            due = parse_offset(p.key).due_at(start, tz="Europe/Paris")
            assert p.due_at >= due - timedelta(days=1), tuesday  # never more than a day early


@pytest.mark.parametrize(
    ("tuesday", "expected"),
    [
        # Easter Monday and Whit Monday 2027: Saturday evening, not Tuesday 08:00.
        (date(2027, 3, 30), (date(2027, 3, 27), 19, 59)),
        (date(2027, 5, 18), (date(2027, 5, 15), 19, 59)),
        # 1 November 2027 is a Monday.
        (date(2027, 11, 2), (date(2027, 10, 30), 19, 59)),
        # 15 August 2026 is a Saturday: Friday evening is too early, so Monday 08:00.
        (date(2026, 8, 18), (date(2026, 8, 17), 8, 0)),
        # Saturday 1 May 2027 is a holiday: Monday 3 May at 08:00.
        (date(2027, 5, 4), (date(2027, 5, 3), 8, 0)),
    ],
)
def test_a_tuesday_after_a_holiday_weekend(tuesday: date, expected: tuple[date, int, int]) -> None:
    result = placed(paris(tuesday, 14, 30), "J-2@10:00", "H-2")
    day, hour, minute = expected
    assert result["J-2@10:00"].due_at == paris(day, hour, minute)
    assert result["H-2"].due_at == paris(tuesday, 12, 30)


def test_a_monday_session_after_a_holiday_saturday_gets_its_reminder_on_the_monday() -> None:
    monday = date(2027, 5, 10)  # Saturday 8 May is a holiday, Sunday closed
    result = placed(paris(monday, 9, 30), "J-2@10:00", "H-2")
    # J-2 is that holiday Saturday at 10:00: Friday 19:59 is within a day.
    assert result["J-2@10:00"].due_at == paris(date(2027, 5, 7), 19, 59)
    # H-2 is Monday 07:30: nothing open in the day before, so Monday's opening.
    assert (result["H-2"].due_at, result["H-2"].skipped_reason) == (paris(monday, 8), None)


def test_an_early_session_gets_its_reminder_the_evening_before() -> None:
    tuesday = date(2027, 6, 8)
    result = placed(paris(tuesday, 7, 10), "J-2@10:00", "H-2")
    assert result["H-2"].due_at == paris(tuesday - timedelta(days=1), 19, 59)
    assert result["J-2@10:00"].due_at == paris(tuesday - timedelta(days=3), 19, 59)


def test_an_early_monday_session_drops_what_could_only_leave_after_it_began() -> None:
    monday = date(2027, 6, 7)
    result = placed(paris(monday, 7, 10), "H-2")
    # Saturday evening is more than a day earlier; Monday 08:00 is after the start.
    assert result["H-2"].skipped_reason == SKIP_AFTER_START


def test_a_moved_reminder_within_two_hours_of_another_is_dropped_with_the_reason() -> None:
    tuesday = date(2027, 6, 8)
    result = placed(paris(tuesday, 9, 0), "J-1@18:00", "H-2")
    # H-2 (07:00) would move to Monday 19:59, 1 h 59 after J-1 at Monday 18:00.
    assert (result["J-1@18:00"].due_at, result["J-1@18:00"].skipped_reason) == (
        paris(tuesday - timedelta(days=1), 18),
        None,
    )
    assert result["H-2"].skipped_reason == SKIP_TOO_CLOSE


async def test_planned_reminders_of_a_first_tuesday_workshop_are_placed_and_dropped_ones_kept(
    session: AsyncSession,
) -> None:
    site = await zone_c_site(session)
    event = await workshop(
        session,
        site=site,
        start=datetime(2026, 12, 1, 9, 0),  # Tuesday 1 December, 09:00 in Paris
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=3",
        offsets=("J-2@10:00", "J-1@18:00", "H-2"),
    )
    await enroll_all(session, event, await people(session, 1, site=site))
    by_session: dict[int, dict[str, Reminder]] = {}
    for reminder in await reminders(session):
        by_session.setdefault(reminder.occurrence_id, {})[reminder.offset_key] = reminder
    sessions = await occurrences(session, event)
    # Sessions are written a few weeks ahead: December and January here.
    assert set(by_session) == {o.id for o in sessions} and len(sessions) >= 2
    for occurrence in sessions:
        rows = by_session[occurrence.id]
        local = occurrence.start.astimezone(PARIS).date()
        assert rows["J-2@10:00"].due_at == expected_sunday_reminder(local)
        assert rows["J-1@18:00"].due_at == paris(local - timedelta(days=1), 18)
        # H-2 at 07:00 would move to Monday 19:59, too close to J-1: kept, skipped, with why.
        assert rows["H-2"].skipped_reason == SKIP_TOO_CLOSE
        assert rows["H-2"].message_id is None


async def test_a_series_without_an_end_is_written_a_few_weeks_ahead_as_time_goes(
    session: AsyncSession,
) -> None:
    site = await zone_c_site(session)
    event = await workshop(
        session, site=site, start=datetime(2026, 12, 1, 14, 30), rrule="FREQ=WEEKLY;BYDAY=TU"
    )
    first = await occurrences(session, event)
    assert first and all(o.start < NOW + HORIZON + timedelta(days=7) for o in first)
    # A year later, the weekly tick writes the coming weeks' sessions.
    later = NOW + timedelta(days=365)
    await materialise_due(session, now=later)
    written = await occurrences(session, event)
    assert max(o.start for o in written) >= later + HORIZON - timedelta(days=7)
    assert all(o.start.astimezone(PARIS).weekday() == 1 for o in written)
