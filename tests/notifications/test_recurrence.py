from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.recurrence import (
    Occurrence,
    OccurrenceStatus,
    RecurrenceError,
    expand_occurrences,
    series_local_starts,
)
from notifications.recurrence_pattern import Frequency, RecurrencePattern, to_rrule

PARIS = "Europe/Paris"
TUESDAY, WEDNESDAY = 1, 2


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def expand(
    pattern: RecurrencePattern,
    *,
    window: tuple[datetime, datetime] = (utc(2020, 1, 1), utc(2035, 1, 1)),
    **options: object,
) -> list[Occurrence]:
    return expand_occurrences(
        rrule=to_rrule(pattern),
        dtstart_local=pattern.dtstart_local,
        duration=pattern.duration,
        tz=PARIS,
        window_start=window[0],
        window_end=window[1],
        **options,  # type: ignore[arg-type]
    )


def local_dates(occurrences: list[Occurrence]) -> list[date]:
    return [o.local_start.date() for o in occurrences]


def weekly(start: date, weekday: int, begins: time, ends: time, **end: object) -> RecurrencePattern:
    return RecurrencePattern(
        frequency=Frequency.WEEKLY,
        start_date=start,
        start_time=begins,
        end_time=ends,
        weekdays=(weekday,),
        **end,  # type: ignore[arg-type]
    )


FIRST_TUESDAY_WORKSHOP = RecurrencePattern(
    frequency=Frequency.MONTHLY,
    start_date=date(2025, 9, 1),
    start_time=time(14, 30),
    end_time=time(16, 30),
    weekdays=(TUESDAY,),
    week_of_month=1,
    until=date(2026, 8, 31),
)


def test_first_tuesday_of_the_month_outside_school_holidays_zone_c() -> None:
    occurrences = expand(FIRST_TUESDAY_WORKSHOP, school_zone="C", skip_public_holidays=True)
    # First Tuesdays of 2025-2026, read off the calendar shipped in data/ (zone C):
    # 3 March 2026 falls in the winter break (21 Feb - 9 Mar), 7 July and 4 August in summer;
    # 4 November and 6 January are the days after Toussaint and Noël resume: kept.
    assert local_dates(occurrences) == [
        date(2025, 9, 2),
        date(2025, 10, 7),
        date(2025, 11, 4),
        date(2025, 12, 2),
        date(2026, 1, 6),
        date(2026, 2, 3),
        date(2026, 4, 7),
        date(2026, 5, 5),
        date(2026, 6, 2),
    ]
    assert all(o.local_start.time() == time(14, 30) for o in occurrences)
    assert all(o.end - o.start == timedelta(hours=2) for o in occurrences)
    assert {o.status for o in occurrences} == {OccurrenceStatus.SCHEDULED}


def test_without_the_zone_the_holiday_dates_come_back() -> None:
    dates = local_dates(expand(FIRST_TUESDAY_WORKSHOP))
    assert len(dates) == 12
    assert date(2026, 3, 3) in dates


def test_wednesday_morning_outside_school_holidays() -> None:
    pattern = weekly(date(2025, 9, 3), WEDNESDAY, time(9), time(12), until=date(2025, 12, 31))
    occurrences = expand(pattern, school_zone="C")
    # Toussaint takes 22 and 29 October, Noël 24 and 31 December.
    assert local_dates(occurrences) == [
        date(2025, 9, 3),
        date(2025, 9, 10),
        date(2025, 9, 17),
        date(2025, 9, 24),
        date(2025, 10, 1),
        date(2025, 10, 8),
        date(2025, 10, 15),
        date(2025, 11, 5),
        date(2025, 11, 12),
        date(2025, 11, 19),
        date(2025, 11, 26),
        date(2025, 12, 3),
        date(2025, 12, 10),
        date(2025, 12, 17),
    ]
    assert occurrences[0].start == utc(2025, 9, 3, 7)  # 09:00 summer time
    assert occurrences[-1].end == utc(2025, 12, 17, 11)  # 12:00 winter time


def test_the_zone_decides_which_winter_weeks_are_skipped() -> None:
    pattern = weekly(date(2026, 2, 4), WEDNESDAY, time(9), time(12), until=date(2026, 3, 11))
    assert local_dates(expand(pattern, school_zone="C")) == [
        date(2026, 2, 4),
        date(2026, 2, 11),
        date(2026, 2, 18),
        date(2026, 3, 11),
    ]
    assert local_dates(expand(pattern, school_zone="A")) == [
        date(2026, 2, 4),
        date(2026, 2, 25),
        date(2026, 3, 4),
        date(2026, 3, 11),
    ]


def test_local_time_holds_across_the_spring_dst_change() -> None:
    pattern = weekly(date(2026, 3, 17), TUESDAY, time(14, 30), time(16, 30), count=4)
    occurrences = expand(pattern)
    assert [o.start for o in occurrences] == [
        utc(2026, 3, 17, 13, 30),
        utc(2026, 3, 24, 13, 30),
        utc(2026, 3, 31, 12, 30),  # after Sunday 29 March, UTC+2
        utc(2026, 4, 7, 12, 30),
    ]
    assert all(o.local_start.hour == 14 and o.local_start.minute == 30 for o in occurrences)
    assert occurrences[2].local_start.utcoffset() == timedelta(hours=2)


def test_local_time_holds_across_the_autumn_dst_change() -> None:
    pattern = weekly(date(2025, 10, 21), TUESDAY, time(14, 30), time(16, 30), count=2)
    occurrences = expand(pattern)
    assert [o.start for o in occurrences] == [
        utc(2025, 10, 21, 12, 30),
        utc(2025, 10, 28, 13, 30),  # after Sunday 26 October, UTC+1
    ]
    assert [o.local_start.time() for o in occurrences] == [time(14, 30), time(14, 30)]


def test_public_holidays_are_skipped() -> None:
    mondays = weekly(date(2026, 4, 1), 0, time(10), time(11), until=date(2026, 6, 1))
    dates = local_dates(expand(mondays, skip_public_holidays=True))
    assert date(2026, 4, 6) not in dates  # Lundi de Pâques
    assert date(2026, 5, 25) not in dates  # Lundi de Pentecôte
    assert len(dates) == 7
    assert len(local_dates(expand(mondays))) == 9


def test_count_counts_the_sessions_held_not_the_dates_skipped_for_holidays() -> None:
    fridays = weekly(date(2026, 4, 24), 4, time(10), time(11), count=4)
    # 1 May and 8 May 2026 are Fridays and public holidays: four sessions still take place.
    assert local_dates(expand(fridays, skip_public_holidays=True)) == [
        date(2026, 4, 24),
        date(2026, 5, 15),
        date(2026, 5, 22),
        date(2026, 5, 29),
    ]


def test_window_keeps_sessions_starting_inside_it_end_exclusive() -> None:
    pattern = weekly(date(2026, 1, 6), TUESDAY, time(14, 30), time(16, 30), count=4)
    window = (utc(2026, 1, 13, 13, 30), utc(2026, 1, 27, 13, 30))
    assert local_dates(expand(pattern, window=window)) == [date(2026, 1, 13), date(2026, 1, 20)]


JANUARY_TUESDAYS = weekly(date(2026, 1, 6), TUESDAY, time(14, 30), time(16, 30), count=4)


def test_cancelled_sessions_are_left_out_or_flagged() -> None:
    cancelled = {utc(2026, 1, 13, 13, 30)}
    assert local_dates(expand(JANUARY_TUESDAYS, cancelled=cancelled)) == [
        date(2026, 1, 6),
        date(2026, 1, 20),
        date(2026, 1, 27),
    ]
    flagged = expand(JANUARY_TUESDAYS, cancelled=cancelled, include_cancelled=True)
    assert [o.status for o in flagged] == [
        OccurrenceStatus.SCHEDULED,
        OccurrenceStatus.CANCELLED,
        OccurrenceStatus.SCHEDULED,
        OccurrenceStatus.SCHEDULED,
    ]


def test_moved_session_keeps_its_identity_and_duration() -> None:
    original = datetime(2026, 1, 20, 14, 30, tzinfo=ZoneInfo(PARIS))  # any aware form
    moved = {original: datetime(2026, 1, 22, 10, 0)}
    occurrences = expand(JANUARY_TUESDAYS, moved=moved)
    assert local_dates(occurrences) == [
        date(2026, 1, 6),
        date(2026, 1, 13),
        date(2026, 1, 22),
        date(2026, 1, 27),
    ]
    session = occurrences[2]
    assert session.status is OccurrenceStatus.MOVED
    assert session.original_start == utc(2026, 1, 20, 13, 30)
    assert (session.start, session.end) == (utc(2026, 1, 22, 9), utc(2026, 1, 22, 11))


def test_moves_follow_the_new_date_in_and_out_of_the_window() -> None:
    moved = {utc(2026, 1, 27, 13, 30): datetime(2026, 1, 15, 9, 0)}
    moved[utc(2026, 1, 13, 13, 30)] = datetime(2026, 2, 3, 9, 0)
    window = (utc(2026, 1, 1), utc(2026, 1, 21))
    assert local_dates(expand(JANUARY_TUESDAYS, moved=moved, window=window)) == [
        date(2026, 1, 6),
        date(2026, 1, 15),
        date(2026, 1, 20),
    ]


def test_a_cancelled_move_stays_cancelled_and_unknown_dates_are_ignored() -> None:
    original = utc(2026, 1, 20, 13, 30)
    occurrences = expand(
        JANUARY_TUESDAYS,
        cancelled={original, utc(2026, 1, 21, 13, 30)},
        moved={original: datetime(2026, 1, 22, 10, 0), utc(2026, 1, 8): datetime(2026, 1, 9)},
    )
    assert local_dates(occurrences) == [date(2026, 1, 6), date(2026, 1, 13), date(2026, 1, 27)]


def test_original_starts_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        expand(JANUARY_TUESDAYS, cancelled={datetime(2026, 1, 13, 14, 30)})


def rule_error(rrule: str, **options: object) -> str:
    arguments: dict[str, object] = {
        "rrule": rrule,
        "dtstart_local": datetime(2025, 9, 2, 14, 30),
        "duration": timedelta(hours=2),
        "tz": PARIS,
        "window_start": utc(2025, 1, 1),
        "window_end": utc(2030, 1, 1),
    }
    arguments.update(options)
    with pytest.raises(RecurrenceError) as caught:
        expand_occurrences(**arguments)  # type: ignore[arg-type]
    return str(caught.value)


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=WEEKLY;BYDAY=XX;COUNT=3",
        "tous les mardis",
        "FREQ=WEEKLY;COUNT=2\nEXDATE:20250909T143000",
        "FREQ=WEEKLY;COUNT=deux",
        "FREQ=WEEKLY;UNTIL=2026-06-30",
        "FREQ=WEEKLY;;COUNT=3",
    ],
)
def test_unreadable_rules_are_refused(rrule: str) -> None:
    assert "illisible" in rule_error(rrule)


def test_a_series_without_an_end_goes_on_as_far_as_sessions_are_written() -> None:
    weekly_tuesday = {
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "dtstart_local": datetime(2025, 9, 2, 14, 30),
        "duration": timedelta(hours=2),
        "tz": PARIS,
    }
    # Years after its start, the next weeks' sessions are still there: a rolling horizon.
    later = expand_occurrences(
        **weekly_tuesday,  # type: ignore[arg-type]
        window_start=utc(2031, 3, 1),
        window_end=utc(2031, 3, 31),
    )
    assert local_dates(later) == [date(2031, 3, d) for d in (4, 11, 18, 25)]
    soon = expand_occurrences(
        **weekly_tuesday,  # type: ignore[arg-type]
        window_start=utc(2025, 9, 1),
        window_end=utc(2025, 9, 20),
    )
    assert local_dates(soon) == [date(2025, 9, 2), date(2025, 9, 9), date(2025, 9, 16)]


def test_count_counts_the_sessions_held_once_holidays_are_out() -> None:
    # Twelve first Tuesdays from September 2025, zone C holidays and public holidays out.
    twelve = expand_occurrences(
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=12",
        dtstart_local=datetime(2025, 9, 2, 14, 30),
        duration=timedelta(hours=2),
        tz=PARIS,
        window_start=utc(2025, 1, 1),
        window_end=utc(2030, 1, 1),
        school_zone="C",
        skip_public_holidays=True,
    )
    assert len(twelve) == 12
    every_first_tuesday = expand_occurrences(
        rrule="FREQ=MONTHLY;BYDAY=1TU;UNTIL=20270101",
        dtstart_local=datetime(2025, 9, 2, 14, 30),
        duration=timedelta(hours=2),
        tz=PARIS,
        window_start=utc(2025, 1, 1),
        window_end=utc(2030, 1, 1),
        school_zone="C",
        skip_public_holidays=True,
    )
    # The same sessions as the series without a count, the first twelve of them.
    assert [o.start for o in twelve] == [o.start for o in every_first_tuesday[:12]]
    assert len(every_first_tuesday) > 12


def test_a_rule_longer_than_three_years_is_refused() -> None:
    assert "dépasse 3 ans" in rule_error("FREQ=WEEKLY;BYDAY=TU;UNTIL=20290101")
    assert "au plus tard le 02/09/2028" in rule_error("FREQ=WEEKLY;BYDAY=TU;COUNT=158")
    starts = series_local_starts(
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=157",
        dtstart_local=datetime(2025, 9, 2, 14, 30),
        tz=PARIS,
    )
    assert starts[-1] == datetime(2028, 8, 29, 14, 30)


def test_a_rule_without_any_date_is_refused() -> None:
    # A Tuesday rule starting on a Wednesday and ending the next Monday.
    message = rule_error(
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20250908", dtstart_local=datetime(2025, 9, 3, 14, 30)
    )
    assert message == "la règle ne produit aucune séance"


def test_a_rule_emptied_by_the_holidays_is_refused() -> None:
    message = rule_error(
        "FREQ=WEEKLY;BYDAY=WE;UNTIL=20251031",
        dtstart_local=datetime(2025, 10, 22, 9, 0),
        school_zone="C",
    )
    assert "aucune séance ne reste" in message


@pytest.mark.parametrize("duration", [timedelta(0), timedelta(hours=-1)])
def test_end_time_must_be_after_start_time(duration: timedelta) -> None:
    message = rule_error("FREQ=WEEKLY;COUNT=3", duration=duration)
    assert message == "l'heure de fin doit être après l'heure de début"


@pytest.mark.parametrize(
    ("rrule", "options", "expected"),
    [
        ("FREQ=HOURLY;COUNT=3", {}, "fréquence non prise en charge"),
        ("FREQ=WEEKLY;BYHOUR=9;COUNT=3", {}, "heure de début"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20260101", {}, "pas les deux"),
        ("FREQ=WEEKLY;COUNT=3", {"tz": "Europe/Nimes"}, "fuseau horaire inconnu"),
        ("FREQ=WEEKLY;COUNT=3", {"school_zone": "D"}, "A, B ou C"),
    ],
)
def test_other_refusals(rrule: str, options: dict[str, object], expected: str) -> None:
    assert expected in rule_error(rrule, **options)


def test_a_series_past_the_published_calendar_still_skips_the_usual_holidays() -> None:
    pattern = weekly(date(2029, 9, 5), WEDNESDAY, time(9), time(12), until=date(2029, 12, 31))
    dates = local_dates(expand(pattern, school_zone="C"))
    # Toussaint 2029 runs from Saturday 20 October to Sunday 4 November by the usual rule.
    assert date(2029, 10, 17) in dates and date(2029, 11, 7) in dates
    assert date(2029, 10, 24) not in dates and date(2029, 10, 31) not in dates


def test_until_in_utc_is_read_in_the_series_timezone() -> None:
    starts = series_local_starts(
        rrule="RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20250916T123000Z",
        dtstart_local=datetime(2025, 9, 2, 14, 30),
        tz=PARIS,
    )
    assert starts[-1] == datetime(2025, 9, 16, 14, 30)


def test_until_as_a_bare_date_includes_that_day() -> None:
    starts = series_local_starts(
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20250916",
        dtstart_local=datetime(2025, 9, 2, 14, 30),
        tz=PARIS,
    )
    assert starts[-1] == datetime(2025, 9, 16, 14, 30)
