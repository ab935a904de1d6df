from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event
from gateway.records import UnknownSite
from notifications.offsets import OffsetError
from notifications.recurrence import RecurrenceError
from notifications.recurrence_pattern import Frequency, RecurrencePattern, to_rrule
from notifications.service import EventChanges, list_occurrences, update_event
from notifications.states import InvalidEvent
from tests.factories import create_site
from tests.notifications.conftest import NOW, occurrences, utc, workshop, zone_c_site

PARIS = ZoneInfo("Europe/Paris")
FIRST_TUESDAYS = RecurrencePattern(
    frequency=Frequency.MONTHLY,
    start_date=date(2026, 12, 1),
    start_time=time(14, 30),
    end_time=time(16, 30),
    weekdays=(1,),
    week_of_month=1,
    until=date(2027, 11, 30),
)


async def first_tuesdays(session: AsyncSession) -> Event:
    return await workshop(
        session,
        start=FIRST_TUESDAYS.dtstart_local,
        rrule=to_rrule(FIRST_TUESDAYS),
        skip_school_holidays=True,
    )


async def test_a_year_of_first_tuesdays_outside_school_holidays_of_zone_c(
    session: AsyncSession,
) -> None:
    event = await first_tuesdays(session)
    sessions = await list_occurrences(
        session, event=event, start=utc(2026, 12, 1), end=utc(2027, 12, 1)
    )
    # Left out: 6 April (spring, 3-19 April), 6 July and 3 August (summer from 3 July),
    # 2 November 2027 (Toussaint, 23 October - 8 November). 5 January is the day school resumes.
    assert [s.start.astimezone(PARIS).date() for s in sessions] == [
        date(2026, 12, 1),
        date(2027, 1, 5),
        date(2027, 2, 2),
        date(2027, 3, 2),
        date(2027, 5, 4),
        date(2027, 6, 1),
        date(2027, 9, 7),
        date(2027, 10, 5),
    ]


async def test_the_daylight_saving_change_keeps_the_announced_local_hour(
    session: AsyncSession,
) -> None:
    event = await first_tuesdays(session)
    sessions = await list_occurrences(
        session, event=event, start=utc(2027, 3, 1), end=utc(2027, 5, 31)
    )
    winter, summer = sessions
    assert (winter.start.astimezone(PARIS).time(), summer.start.astimezone(PARIS).time()) == (
        time(14, 30),
        time(14, 30),
    )
    assert (winter.start.hour, summer.start.hour) == (13, 12)  # UTC
    assert summer.end - summer.start == timedelta(hours=2)


async def test_only_the_coming_weeks_are_written_as_rows(session: AsyncSession) -> None:
    event = await workshop(session, rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=20")
    rows = await occurrences(session, event)
    # Thursdays from 26 November to 31 December: the horizon is 45 days.
    assert [r.start.astimezone(PARIS).date() for r in rows] == [
        date(2026, 11, 26),
        date(2026, 12, 3),
        date(2026, 12, 10),
        date(2026, 12, 17),
        date(2026, 12, 24),
        date(2026, 12, 31),
    ]
    listed = await list_occurrences(session, event=event, start=NOW, end=utc(2027, 6, 1))
    assert len(listed) == 20
    assert listed[6].id is None and listed[5].id == rows[5].id


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=0"}, RecurrenceError, "nombre de séances"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3"}, RecurrenceError, "aucune"),
        ({"minutes": -30}, RecurrenceError, "fin doit être après"),
        ({"minutes": 0}, RecurrenceError, "fin doit être après"),
        ({"rrule": "FREQ=HOURLY;COUNT=3"}, RecurrenceError, "fréquence"),
        ({"capacity": 0}, InvalidEvent, "capacité"),
        ({"kind": "party"}, InvalidEvent, "type d'activité"),
        ({"offsets": ["demain"]}, OffsetError, "illisible"),
        ({"texts": {"en": {"title": "Cooking"}}}, InvalidEvent, "titre en français"),
        ({"texts": {"fr": {"title": "A", "reminder": "{titre}"}}}, InvalidEvent, "champ inconnu"),
    ],
)
async def test_bad_events_are_refused_with_a_clear_reason(
    session: AsyncSession, options: dict[str, object], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        await workshop(session, **options)  # type: ignore[arg-type]


async def test_unknown_site_and_missing_school_zone_are_refused(session: AsyncSession) -> None:
    site = await create_site(session)
    with pytest.raises(UnknownSite, match="lyon"):
        await workshop(session, site=type(site)(slug="lyon"))
    with pytest.raises(InvalidEvent, match="zone de vacances"):
        await workshop(session, site=site, skip_school_holidays=True)


async def test_changing_the_reminder_times_rewrites_those_not_sent(session: AsyncSession) -> None:
    from tests.notifications.conftest import enroll_all, people, reminders

    site = await zone_c_site(session)
    event = await workshop(session, site=site)
    await enroll_all(session, event, await people(session, 2, site=site))
    assert sorted({r.offset_key for r in await reminders(session)}) == ["H-2", "J-2@10:00"]
    await update_event(
        session, event_id=event.id, changes=EventChanges(reminder_offsets=["J-1@18h00"]), now=NOW
    )
    planned = await reminders(session)
    assert [(r.offset_key, r.due_at) for r in planned] == [("J-1@18:00", utc(2026, 11, 25, 17))] * 2


async def test_a_moved_start_with_a_timezone_is_read_as_local_time(session: AsyncSession) -> None:
    event = await workshop(session, start=datetime(2026, 11, 26, 14, 30, tzinfo=PARIS))
    assert event.dtstart_local == datetime(2026, 11, 26, 14, 30)
