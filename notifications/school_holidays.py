"""French school holidays (zones A, B, C), from the `holidays` package.

The package knows the rule the ministry follows and applies it to any year, so a calendar never
runs out. Past the last school year whose official calendar is published (data/school_calendar.yaml,
updated when a new arrêté comes out) its dates are estimates: staff are told, never refused.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

import holidays
import yaml

from db.errors import InvalidError

ZONES = ("A", "B", "C")
_DATA_FILE = "school_calendar.yaml"


class UnknownSchoolZone(ValueError, InvalidError):
    """A zone that is not one of the three metropolitan school zones."""


@dataclass(frozen=True)
class SchoolHolidayPeriod:
    """One holiday period of one zone: school is out from `start` until `end` (exclusive)."""

    name: str
    zone: str
    start: date
    end: date

    def contains(self, day: date) -> bool:
        """Say whether the day is a day without school in this period."""
        return self.start <= day < self.end


def validate_zone(zone: str) -> str:
    """Return the zone letter in its canonical form, or refuse an unknown zone."""
    letter = zone.strip().upper()
    if letter not in ZONES:
        raise UnknownSchoolZone(f"zone de vacances scolaires inconnue : {zone!r} (A, B ou C)")
    return letter


def is_school_holiday(day: date, zone: str) -> bool:
    """Say whether there is no school on that day because of the zone's holidays."""
    return day in _days(validate_zone(zone), day.year)


def school_holiday_periods(zone: str, start: date, end: date) -> list[SchoolHolidayPeriod]:
    """Return the zone's holiday periods that overlap the days from start to end (exclusive)."""
    letter = validate_zone(zone)
    if end <= start:
        return []
    # A period may begin in the year before `start` (Christmas) or end after `end`.
    days: dict[date, str] = {}
    for year in range(start.year - 1, end.year + 2):
        days.update(_days(letter, year))
    periods = _periods(letter, days)
    return [p for p in periods if p.start < end and start < p.end]


def official_until() -> date:
    """Return the last day of the last school year whose official calendar is published."""
    return _official_until()


def estimated_after(first: date, last: date) -> date | None:
    """Return the day after which the dates from first to last are estimates, if any are."""
    known = official_until()
    return known if last > known else None


def estimate_warning(known: date) -> str:
    """Return the staff warning for school holidays estimated past `known`."""
    return (
        f"vacances scolaires inconnues après le {known:%d/%m/%Y} : les dates suivantes "
        "suivent la règle habituelle du ministère, vérifiez-les quand le calendrier officiel paraît"
    )


@functools.cache
def _days(letter: str, year: int) -> dict[date, str]:
    found = holidays.country_holidays(
        "FR", subdiv=f"Zone {letter}", categories=("school",), years=year, language="fr"
    )
    return dict(found.items())


def _periods(letter: str, days: dict[date, str]) -> list[SchoolHolidayPeriod]:
    periods: list[SchoolHolidayPeriod] = []
    for day in sorted(days):
        last = periods[-1] if periods else None
        if last is not None and last.end == day and last.name == days[day]:
            periods[-1] = SchoolHolidayPeriod(last.name, letter, last.start, day + timedelta(1))
        else:
            periods.append(SchoolHolidayPeriod(days[day], letter, day, day + timedelta(days=1)))
    return periods


@functools.cache
def _official_until() -> date:
    text = resources.files("notifications").joinpath("data", _DATA_FILE).read_text("utf-8")
    value = yaml.safe_load(text)["calendrier_officiel_jusqu_au"]
    if not isinstance(value, date):
        raise ValueError(f"{_DATA_FILE} : date illisible {value!r} (format AAAA-MM-JJ)")
    return value
