from datetime import date, datetime, time, timedelta

import pytest

from notifications.recurrence import RecurrenceError
from notifications.recurrence_pattern import (
    Frequency,
    RecurrencePattern,
    from_rrule,
    to_rrule,
)

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)


def pattern(**changes: object) -> RecurrencePattern:
    fields: dict[str, object] = {
        "frequency": Frequency.WEEKLY,
        "start_date": date(2025, 9, 2),
        "start_time": time(14, 30),
        "end_time": time(16, 30),
        "weekdays": (TUESDAY,),
        "count": 10,
    }
    fields.update(changes)
    return RecurrencePattern(**fields)  # type: ignore[arg-type]


def test_weekly_every_two_weeks_on_two_days_until_a_date() -> None:
    every_other_week = pattern(
        weekdays=(THURSDAY, TUESDAY), interval=2, until=date(2026, 6, 30), count=None
    )
    assert to_rrule(every_other_week) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20260630T235959"


def test_monthly_on_the_last_friday_for_ten_sessions() -> None:
    last_friday = pattern(frequency=Frequency.MONTHLY, weekdays=(FRIDAY,), week_of_month=-1)
    assert to_rrule(last_friday) == "FREQ=MONTHLY;BYDAY=-1FR;COUNT=10"


def test_monthly_on_the_first_tuesday() -> None:
    first_tuesday = pattern(frequency="monthly", week_of_month=1)
    assert first_tuesday.frequency is Frequency.MONTHLY
    assert to_rrule(first_tuesday) == "FREQ=MONTHLY;BYDAY=1TU;COUNT=10"


def test_start_and_duration_come_from_the_form() -> None:
    workshop = pattern()
    assert workshop.dtstart_local == datetime(2025, 9, 2, 14, 30)
    assert workshop.duration == timedelta(hours=2)


@pytest.mark.parametrize(
    "form",
    [
        pattern(),
        pattern(weekdays=(MONDAY, WEDNESDAY, FRIDAY), interval=3),
        pattern(until=date(2026, 7, 1), count=None),
        pattern(frequency=Frequency.MONTHLY, week_of_month=4, interval=2),
        pattern(frequency=Frequency.MONTHLY, week_of_month=-1, until=date(2027, 1, 1), count=None),
    ],
)
def test_rrule_and_back(form: RecurrencePattern) -> None:
    rule = to_rrule(form)
    assert from_rrule(rule, dtstart_local=form.dtstart_local, duration=form.duration) == form


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=DAILY;COUNT=5",
        "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3",
        "FREQ=MONTHLY;BYDAY=5TU;COUNT=3",
        "FREQ=MONTHLY;BYDAY=1TU,3TU;COUNT=3",
        "FREQ=WEEKLY;BYDAY=1TU;COUNT=3",
        "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=TU;COUNT=3",
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T120000Z",
    ],
)
def test_rules_the_form_cannot_express(rrule: str) -> None:
    start = datetime(2025, 9, 2, 14, 30)
    assert from_rrule(rrule, dtstart_local=start, duration=timedelta(hours=2)) is None


def test_a_session_crossing_midnight_is_not_a_form() -> None:
    start = datetime(2025, 9, 2, 22, 0)
    assert (
        from_rrule("FREQ=WEEKLY;COUNT=3", dtstart_local=start, duration=timedelta(hours=3)) is None
    )


def test_weekly_rule_without_days_takes_the_start_day() -> None:
    start = datetime(2025, 9, 3, 9, 0)
    form = from_rrule("RRULE:FREQ=WEEKLY;COUNT=3", dtstart_local=start, duration=timedelta(hours=3))
    assert form is not None
    assert form.weekdays == (WEDNESDAY,)
    assert form.end_time == time(12, 0)


def test_until_before_the_start_time_ends_the_day_before() -> None:
    start = datetime(2025, 9, 2, 14, 30)
    form = from_rrule(
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T120000",
        dtstart_local=start,
        duration=timedelta(hours=2),
    )
    assert form is not None
    assert form.until == date(2026, 6, 29)


def test_a_rule_without_an_end_reads_as_a_series_that_goes_on() -> None:
    start = datetime(2025, 9, 2, 14, 30)
    read = from_rrule("FREQ=WEEKLY;BYDAY=TU", dtstart_local=start, duration=timedelta(hours=2))
    assert read is not None and (read.until, read.count) == (None, None)
    assert to_rrule(read) == "FREQ=WEEKLY;BYDAY=TU"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": time(14, 30)}, "l'heure de fin doit être après l'heure de début"),
        ({"end_time": time(9, 0)}, "l'heure de fin doit être après l'heure de début"),
        ({"weekdays": ()}, "au moins un jour"),
        ({"weekdays": (7,)}, "jour de la semaine invalide"),
        ({"interval": 0}, "au moins 1"),
        ({"week_of_month": 1}, "que les séances mensuelles"),
        ({"frequency": Frequency.MONTHLY, "week_of_month": 5}, "semaine du mois invalide"),
        (
            {"frequency": Frequency.MONTHLY, "week_of_month": 1, "weekdays": (1, 3)},
            "un seul jour",
        ),
        ({"until": date(2026, 1, 1)}, "pas les deux"),
        ({"until": date(2025, 9, 1), "count": None}, "avant la date de début"),
        ({"count": 0}, "au moins 1"),
    ],
)
def test_form_refusals(changes: dict[str, object], message: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        pattern(**changes)
    assert message in str(caught.value)


def test_weekdays_are_kept_sorted_and_unique() -> None:
    assert pattern(weekdays=(FRIDAY, TUESDAY, FRIDAY)).weekdays == (TUESDAY, FRIDAY)
