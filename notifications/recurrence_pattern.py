"""The recurrence form staff fill in ("every Tuesday", "1st Tuesday of the month"), as RRULE."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from notifications.recurrence import (
    END_BEFORE_START,
    RecurrenceError,
    split_rule,
)

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = date.weekday()
WEEKS_OF_MONTH = (1, 2, 3, 4, -1)  # -1 = the last one of the month
_PATTERN_PARTS = frozenset({"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"})


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class RecurrencePattern:
    """A series of sessions: which days, what time, until when.

    Weekdays count from 0 (Monday) to 6 (Sunday). Weekly: one or more weekdays, every
    `interval` weeks. Monthly: one weekday and `week_of_month` (1 to 4, or -1 for the last),
    every `interval` months. At most one of `until` (last possible date) or `count` (sessions
    held); with neither the series goes on.
    """

    frequency: Frequency
    start_date: date
    start_time: time
    end_time: time
    weekdays: tuple[int, ...]
    interval: int = 1
    week_of_month: int | None = None
    until: date | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        object.__setattr__(self, "frequency", Frequency(self.frequency))
        problems = _problems(self)
        if problems:
            raise RecurrenceError(" ; ".join(problems))

    @property
    def dtstart_local(self) -> datetime:
        """Return the first possible start, as a naive local wall time."""
        return datetime.combine(self.start_date, self.start_time)

    @property
    def duration(self) -> timedelta:
        """Return how long each session lasts."""
        return datetime.combine(self.start_date, self.end_time) - self.dtstart_local


def to_rrule(pattern: RecurrencePattern) -> str:
    """Return the RFC 5545 RRULE value (without "RRULE:") for the pattern."""
    if pattern.frequency is Frequency.MONTHLY:
        parts = ["FREQ=MONTHLY", f"BYDAY={pattern.week_of_month}{DAY_CODES[pattern.weekdays[0]]}"]
    else:
        parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(DAY_CODES[day] for day in pattern.weekdays)]
    if pattern.interval != 1:
        parts.insert(1, f"INTERVAL={pattern.interval}")
    if pattern.until is not None:
        # A floating local end of day, as the series start is a floating local time.
        parts.append(f"UNTIL={pattern.until:%Y%m%d}T235959")
    elif pattern.count is not None:
        parts.append(f"COUNT={pattern.count}")
    return ";".join(parts)


def from_rrule(
    rrule: str, *, dtstart_local: datetime, duration: timedelta
) -> RecurrencePattern | None:
    """Return the pattern a rule stands for, or None when the form cannot express it."""
    parts = split_rule(rrule)
    end = dtstart_local + duration
    if (
        not parts.keys() <= _PATTERN_PARTS
        or parts.get("WKST", "MO") != "MO"
        or end.date() != dtstart_local.date()
        or parts.get("UNTIL", "").endswith("Z")  # a UTC end needs the series timezone
    ):
        return None
    shape = _shape(parts, dtstart_local)
    interval = parts.get("INTERVAL", "1")
    if shape is None or not interval.isdigit():
        return None
    frequency, weekdays, week_of_month = shape
    return RecurrencePattern(
        frequency=frequency,
        start_date=dtstart_local.date(),
        start_time=dtstart_local.time(),
        end_time=end.time(),
        weekdays=weekdays,
        interval=int(interval),
        week_of_month=week_of_month,
        until=_until_date(parts["UNTIL"], dtstart_local.time()) if "UNTIL" in parts else None,
        count=_count(parts["COUNT"]) if "COUNT" in parts else None,
    )


def _shape(
    parts: dict[str, str], dtstart_local: datetime
) -> tuple[Frequency, tuple[int, ...], int | None] | None:
    days = parts.get("BYDAY", DAY_CODES[dtstart_local.weekday()]).split(",")
    if parts.get("FREQ") == "WEEKLY" and all(day in DAY_CODES for day in days):
        return Frequency.WEEKLY, tuple(DAY_CODES.index(day) for day in days), None
    if parts.get("FREQ") == "MONTHLY" and len(days) == 1 and days[0][-2:] in DAY_CODES:
        ordinal = days[0][:-2].removeprefix("+")
        if ordinal.lstrip("-").isdigit() and int(ordinal) in WEEKS_OF_MONTH:
            return Frequency.MONTHLY, (DAY_CODES.index(days[0][-2:]),), int(ordinal)
    return None


def _count(value: str) -> int:
    if not value.isdigit():
        raise RecurrenceError(f"nombre de séances illisible : {value!r}")
    return int(value)


def _until_date(value: str, start_time: time) -> date:
    try:
        if len(value) == len("YYYYMMDD"):
            return datetime.strptime(value, "%Y%m%d").date()
        until = datetime.strptime(value, "%Y%m%dT%H%M%S")
    except ValueError as exc:
        raise RecurrenceError(f"date de fin illisible : {value!r}") from exc
    # A session on the last day counts only if it starts before the rule's end time.
    return until.date() if until.time() >= start_time else until.date() - timedelta(days=1)


def _problems(pattern: RecurrencePattern) -> list[str]:
    problems = []
    if pattern.end_time <= pattern.start_time:
        problems.append(END_BEFORE_START)
    if not pattern.weekdays:
        problems.append("choisissez au moins un jour de la semaine")
    if any(not 0 <= day <= 6 for day in pattern.weekdays):
        problems.append("jour de la semaine invalide : de 0 (lundi) à 6 (dimanche)")
    if pattern.interval < 1:
        problems.append("l'intervalle doit être d'au moins 1")
    problems += _frequency_problems(pattern)
    problems += _end_problems(pattern)
    return problems


def _frequency_problems(pattern: RecurrencePattern) -> list[str]:
    if pattern.frequency is Frequency.WEEKLY:
        if pattern.week_of_month is not None:
            return ["la semaine du mois ne concerne que les séances mensuelles"]
        return []
    problems = []
    if len(pattern.weekdays) != 1:
        problems.append("une séance mensuelle a lieu un seul jour de la semaine")
    if pattern.week_of_month not in WEEKS_OF_MONTH:
        problems.append("semaine du mois invalide : 1 à 4, ou -1 pour la dernière")
    return problems


def _end_problems(pattern: RecurrencePattern) -> list[str]:
    if pattern.until is not None and pattern.count is not None:
        return ["indiquez soit une date de fin soit un nombre de séances, pas les deux"]
    if pattern.until is not None and pattern.until < pattern.start_date:
        return ["la date de fin est avant la date de début"]
    if pattern.count is not None and pattern.count < 1:
        return ["le nombre de séances doit être d'au moins 1"]
    return []
