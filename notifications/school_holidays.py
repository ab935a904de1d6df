"""French school holidays (zones A, B, C), read from the calendar shipped in data/."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

import yaml

ZONES = ("A", "B", "C")
_DATA_FILE = "school_holidays_fr.yaml"


class UnknownSchoolZone(ValueError):
    """A zone that is not one of the three metropolitan school zones."""


class SchoolCalendarUnknown(ValueError):
    """A date outside the school years the shipped calendar covers."""


@dataclass(frozen=True)
class SchoolHolidayPeriod:
    """One holiday period of one zone: school is out from `start` until `end` (exclusive)."""

    name: str
    school_year: str
    zone: str
    start: date
    end: date

    def contains(self, day: date) -> bool:
        """Say whether the day is a day without school in this period."""
        return self.start <= day < self.end


@dataclass(frozen=True)
class SchoolCalendar:
    """Every known holiday period, and the first and last day the calendar can answer for."""

    periods: tuple[SchoolHolidayPeriod, ...]
    first_day: date
    last_day: date


def validate_zone(zone: str) -> str:
    """Return the zone letter in its canonical form, or refuse an unknown zone."""
    letter = zone.strip().upper()
    if letter not in ZONES:
        raise UnknownSchoolZone(f"zone de vacances scolaires inconnue : {zone!r} (A, B ou C)")
    return letter


def school_calendar() -> SchoolCalendar:
    """Return the shipped calendar, read once."""
    return _load_calendar()


def calendar_coverage() -> tuple[date, date]:
    """Return the first and last days for which the calendar knows the school holidays."""
    calendar = school_calendar()
    return calendar.first_day, calendar.last_day


def is_school_holiday(day: date, zone: str) -> bool:
    """Say whether there is no school on that day because of the zone's holidays."""
    letter = validate_zone(zone)
    calendar = school_calendar()
    _require_covered(calendar, day, day)
    return any(p.zone == letter and p.contains(day) for p in calendar.periods)


def school_holiday_periods(zone: str, start: date, end: date) -> list[SchoolHolidayPeriod]:
    """Return the zone's holiday periods that overlap the days from start to end (exclusive)."""
    letter = validate_zone(zone)
    if end <= start:
        return []
    calendar = school_calendar()
    _require_covered(calendar, start, end - timedelta(days=1))
    return [p for p in calendar.periods if p.zone == letter and p.start < end and start < p.end]


def _require_covered(calendar: SchoolCalendar, first: date, last: date) -> None:
    if first < calendar.first_day or last > calendar.last_day:
        raise SchoolCalendarUnknown(
            "vacances scolaires connues seulement du "
            f"{calendar.first_day:%d/%m/%Y} au {calendar.last_day:%d/%m/%Y}"
        )


@functools.cache
def _load_calendar() -> SchoolCalendar:
    text = resources.files("notifications").joinpath("data", _DATA_FILE).read_text("utf-8")
    return parse_calendar(yaml.safe_load(text))


def parse_calendar(document: dict[str, Any]) -> SchoolCalendar:
    """Build the calendar from the YAML document, checking every period."""
    periods: list[SchoolHolidayPeriod] = []
    school_starts: list[date] = []
    open_starts: list[date] = []
    for school_year, year in document["annees_scolaires"].items():
        school_starts.append(_as_date(year["rentree"], school_year))
        for name, zones in year["vacances"].items():
            if sorted(zones) != list(ZONES):
                raise ValueError(f"{school_year} {name} : il faut les zones A, B et C")
            for zone, dates in zones.items():
                start = _as_date(dates["debut"], school_year)
                if dates["reprise"] is None:
                    open_starts.append(start)
                    continue
                end = _as_date(dates["reprise"], school_year)
                if end <= start:
                    raise ValueError(f"{school_year} {name} {zone} : reprise avant le début")
                periods.append(SchoolHolidayPeriod(name, str(school_year), zone, start, end))
    last_day = min(open_starts) - timedelta(days=1) if open_starts else max(p.end for p in periods)
    periods.sort(key=lambda p: (p.start, p.zone))
    return SchoolCalendar(tuple(periods), first_day=min(school_starts), last_day=last_day)


def _as_date(value: object, school_year: str) -> date:
    if not isinstance(value, date):
        raise ValueError(f"{school_year} : date illisible {value!r} (format AAAA-MM-JJ)")
    return value
