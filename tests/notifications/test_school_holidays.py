import itertools
from datetime import date, timedelta

import pytest

from notifications.school_holidays import (
    SchoolCalendarUnknown,
    UnknownSchoolZone,
    calendar_coverage,
    is_school_holiday,
    parse_calendar,
    school_calendar,
    school_holiday_periods,
)


def test_coverage_runs_from_rentree_2025_to_the_last_school_day_of_2027_2028() -> None:
    assert calendar_coverage() == (date(2025, 9, 1), date(2028, 7, 4))


def test_every_school_year_has_the_six_periods_in_every_zone() -> None:
    calendar = school_calendar()
    for year in ("2025-2026", "2026-2027"):
        for zone in "ABC":
            names = [p.name for p in calendar.periods if p.school_year == year and p.zone == zone]
            assert names == [
                "Toussaint",
                "Noël",
                "Hiver",
                "Printemps",
                "Pont de l'Ascension",
                "Été",
            ]


def test_periods_of_one_zone_never_overlap_and_last_about_two_weeks() -> None:
    for zone in "ABC":
        periods = [p for p in school_calendar().periods if p.zone == zone]
        for before, after in itertools.pairwise(periods):
            assert before.end <= after.start
        for period in periods:
            if period.name in {"Toussaint", "Noël", "Hiver", "Printemps"}:
                assert timedelta(days=16) <= period.end - period.start <= timedelta(days=17)


def test_summer_break_ends_on_the_next_rentree() -> None:
    summers = [p for p in school_calendar().periods if p.name == "Été" and p.zone == "C"]
    assert [(p.start, p.end) for p in summers] == [
        (date(2026, 7, 4), date(2026, 9, 1)),
        (date(2027, 7, 3), date(2027, 9, 1)),
    ]


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        (date(2025, 10, 17), "C", False),  # Friday before Toussaint: school
        (date(2025, 10, 18), "C", True),  # first day without school
        (date(2025, 11, 2), "C", True),
        (date(2025, 11, 3), "C", False),  # classes resume
        (date(2026, 2, 21), "C", True),  # winter, zone C
        (date(2026, 2, 23), "A", False),  # zone A is back at school, zone C is not
        (date(2026, 2, 23), "C", True),
        (date(2026, 2, 9), "A", True),
        (date(2026, 5, 15), "B", True),  # Ascension bridge
        (date(2026, 5, 13), "B", False),
        (date(2027, 2, 6), "C", True),  # zone C goes first in 2027
        (date(2028, 5, 1), "C", True),  # spring 2028 zone C resumes on Tuesday 2 May
        (date(2028, 5, 2), "C", False),
        (date(2026, 8, 15), "A", True),
    ],
)
def test_is_school_holiday(day: date, zone: str, expected: bool) -> None:
    assert is_school_holiday(day, zone) is expected


def test_zone_letters_are_read_leniently_and_checked() -> None:
    assert is_school_holiday(date(2026, 2, 21), " c ")
    with pytest.raises(UnknownSchoolZone, match="A, B ou C"):
        is_school_holiday(date(2026, 2, 21), "D")


def test_dates_outside_the_calendar_are_not_guessed() -> None:
    with pytest.raises(SchoolCalendarUnknown, match=r"du 01/09/2025 au 04/07/2028"):
        is_school_holiday(date(2028, 7, 10), "C")
    with pytest.raises(SchoolCalendarUnknown):
        is_school_holiday(date(2025, 8, 20), "C")


def test_school_holiday_periods_lists_the_overlapping_periods() -> None:
    periods = school_holiday_periods("C", date(2026, 2, 1), date(2026, 5, 1))
    assert [(p.name, p.start, p.end) for p in periods] == [
        ("Hiver", date(2026, 2, 21), date(2026, 3, 9)),
        ("Printemps", date(2026, 4, 18), date(2026, 5, 4)),
    ]


def test_school_holiday_periods_end_is_exclusive() -> None:
    assert school_holiday_periods("C", date(2026, 1, 5), date(2026, 2, 21)) == []
    assert school_holiday_periods("C", date(2026, 3, 9), date(2026, 3, 9)) == []


def test_parse_calendar_refuses_a_period_ending_before_it_starts() -> None:
    zones = {z: {"debut": date(2026, 2, 21), "reprise": date(2026, 2, 1)} for z in "ABC"}
    document = {
        "annees_scolaires": {
            "2025-2026": {"rentree": date(2025, 9, 1), "vacances": {"Hiver": zones}}
        }
    }
    with pytest.raises(ValueError, match="reprise avant le début"):
        parse_calendar(document)


def test_parse_calendar_requires_all_three_zones() -> None:
    zones = {"A": {"debut": date(2026, 2, 7), "reprise": date(2026, 2, 23)}}
    document = {
        "annees_scolaires": {
            "2025-2026": {"rentree": date(2025, 9, 1), "vacances": {"Hiver": zones}}
        }
    }
    with pytest.raises(ValueError, match="zones A, B et C"):
        parse_calendar(document)
