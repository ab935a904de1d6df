import itertools
from datetime import date, timedelta

import pytest

from notifications.school_holidays import (
    UnknownSchoolZone,
    estimate_warning,
    estimated_after,
    is_school_holiday,
    official_until,
    school_holiday_periods,
)

NAMES = [
    "Vacances de la Toussaint",
    "Vacances de Noël",
    "Vacances d'hiver",
    "Vacances de printemps",
    "Pont de l'Ascension",
    "Vacances d'été",
]


def school_year(zone: str, year: int) -> list[str]:
    periods = school_holiday_periods(zone, date(year, 9, 15), date(year + 1, 9, 1))
    return [p.name for p in periods]


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_every_school_year_has_the_six_periods_in_every_zone(year: int) -> None:
    for zone in "ABC":
        assert school_year(zone, year) == NAMES


@pytest.mark.parametrize("year", [2031, 2045])
def test_years_far_ahead_have_the_six_periods_too(year: int) -> None:
    # When the Ascension bridge meets the spring break, the days carry both names.
    for zone in "ABC":
        named = {name for period in school_year(zone, year) for name in period.split("; ")}
        assert named == set(NAMES)


@pytest.mark.parametrize("year", [2025, 2030, 2040])
def test_periods_of_one_zone_never_overlap_and_last_about_two_weeks(year: int) -> None:
    for zone in "ABC":
        periods = school_holiday_periods(zone, date(year, 9, 2), date(year + 1, 9, 1))
        for before, after in itertools.pairwise(periods):
            assert before.end <= after.start
        for period in periods:
            if period.name != "Vacances d'été" and period.name != "Pont de l'Ascension":
                assert timedelta(days=16) <= period.end - period.start <= timedelta(days=17)


def test_summer_break_ends_on_the_next_rentree() -> None:
    summers = [
        p
        for p in school_holiday_periods("C", date(2026, 6, 1), date(2027, 9, 30))
        if p.name == "Vacances d'été"
    ]
    assert [(p.start, p.end) for p in summers] == [
        (date(2026, 7, 4), date(2026, 9, 1)),
        (date(2027, 7, 3), date(2027, 9, 2)),
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


def test_the_calendar_never_runs_out_and_says_where_it_becomes_an_estimate() -> None:
    known = official_until()
    assert known >= date(2028, 7, 4)
    far = known + timedelta(days=3 * 365)
    assert school_holiday_periods("A", far, far + timedelta(days=120))
    assert estimated_after(known - timedelta(days=10), known) is None
    assert estimated_after(known - timedelta(days=10), far) == known
    assert f"{known:%d/%m/%Y}" in estimate_warning(known)
    assert estimate_warning(known).startswith("vacances scolaires inconnues après le")


def test_school_holiday_periods_lists_the_overlapping_periods() -> None:
    periods = school_holiday_periods("C", date(2026, 2, 1), date(2026, 5, 1))
    assert [(p.name, p.start, p.end) for p in periods] == [
        ("Vacances d'hiver", date(2026, 2, 21), date(2026, 3, 9)),
        ("Vacances de printemps", date(2026, 4, 18), date(2026, 5, 4)),
    ]


def test_a_christmas_break_across_the_new_year_is_one_period() -> None:
    (noel,) = school_holiday_periods("B", date(2026, 12, 25), date(2026, 12, 26))
    assert (noel.start, noel.end) == (date(2026, 12, 19), date(2027, 1, 4))


def test_school_holiday_periods_end_is_exclusive() -> None:
    assert school_holiday_periods("C", date(2026, 1, 5), date(2026, 2, 21)) == []
    assert school_holiday_periods("C", date(2026, 3, 9), date(2026, 3, 9)) == []
