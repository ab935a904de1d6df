"""Recurring sessions: check an RRULE and expand it in local wall time.

A series is an RFC 5545 RRULE plus a local start (naive wall time, e.g. 14:30) in a named
timezone, so that "14:30" stays 14:30 in Paris on both sides of a DST change. A rule with an
end (UNTIL or COUNT) must end within three years of its start; a rule without one goes on, and
its sessions are written a few weeks ahead as time goes (a rolling horizon). COUNT counts the
sessions held, as staff mean it ("12 séances"): dates skipped for a public or school holiday
do not count. A wall time inside the spring DST gap (02:00-03:00 in Paris) is read with the
offset in force before the change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr

from db.errors import InvalidError
from notifications.school_holidays import (
    SchoolHolidayPeriod,
    UnknownSchoolZone,
    school_holiday_periods,
)

MAX_SPAN = relativedelta(years=3)
END_BEFORE_START = "l'heure de fin doit être après l'heure de début"
_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_TIME_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})
_STAMP = "%Y%m%dT%H%M%S"


class RecurrenceError(ValueError, InvalidError):
    """A recurrence that Lien cannot turn into a finite list of sessions."""


class OccurrenceStatus(StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Occurrence:
    """One session of a series; `original_start` identifies it even after a move."""

    original_start: datetime  # UTC, the date the rule gave (RFC 5545 RECURRENCE-ID)
    start: datetime  # UTC
    end: datetime  # UTC
    local_start: datetime  # aware, in the series timezone
    status: OccurrenceStatus


def split_rule(rrule: str) -> dict[str, str]:
    """Return the NAME=VALUE parts of one RRULE (with or without the "RRULE:" prefix)."""
    text = rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts: dict[str, str] = {}
    for item in text.split(";"):
        name, _, value = (piece.strip().upper() for piece in item.partition("="))
        if not name or not value or name in parts or "\n" in item:
            raise RecurrenceError(f"règle de récurrence illisible : {rrule!r}")
        parts[name] = value
    return parts


def series_local_starts(
    *,
    rrule: str,
    dtstart_local: datetime,
    tz: str,
    skip_public_holidays: bool = False,
    school_zone: str | None = None,
    until_local: datetime | None = None,
) -> list[datetime]:
    """Return every local start of the series, holidays skipped, after checking the rule.

    A rule without an end is expanded to three years after its start, or to `until_local`
    when that is later (the end of the sessions being written).
    """
    if dtstart_local.tzinfo is not None:
        raise ValueError("dtstart_local must be a naive local wall time")
    zone = _zone(tz)
    parts = split_rule(rrule)
    _check_shape(parts, rrule)
    limit = datetime.combine((dtstart_local + MAX_SPAN).date(), time.max)
    if "UNTIL" not in parts and "COUNT" not in parts and until_local is not None:
        limit = until_local  # only as far as sessions are being written
    starts = _starts_within(parts, dtstart_local, zone, limit, rrule)
    if not starts:
        raise RecurrenceError("la règle ne produit aucune séance")
    if "COUNT" in parts:
        kept = _first_held(
            starts, _positive_int(parts["COUNT"], rrule), skip_public_holidays, school_zone, limit
        )
    else:
        kept = _without_holidays(starts, skip_public_holidays, school_zone)
    if not kept:
        raise RecurrenceError(
            "aucune séance ne reste une fois retirés les jours fériés et les vacances scolaires"
        )
    return kept


def _first_held(
    starts: list[datetime],
    count: int,
    skip_public_holidays: bool,
    school_zone: str | None,
    limit: datetime,
) -> list[datetime]:
    """Return the first `count` dates left once holidays are out, looking no further than needed.

    Holidays are only known for a few school years: the dates are read in growing slices.
    """
    end = count
    while True:
        kept = _without_holidays(starts[:end], skip_public_holidays, school_zone)
        if len(kept) >= count:
            return kept[:count]
        if end >= len(starts):
            if kept:
                raise _too_long(limit)
            return kept
        end = min(len(starts), end + max(count - len(kept), 4))


def expand_occurrences(
    *,
    rrule: str,
    dtstart_local: datetime,
    duration: timedelta,
    tz: str,
    window_start: datetime,
    window_end: datetime,
    skip_public_holidays: bool = False,
    school_zone: str | None = None,
    cancelled: Collection[datetime] = frozenset(),
    moved: Mapping[datetime, datetime] | None = None,
    include_cancelled: bool = False,
) -> list[Occurrence]:
    """Return the sessions starting in [window_start, window_end), in start order.

    `cancelled` holds original starts (aware); cancelled sessions are left out unless
    `include_cancelled` (then flagged CANCELLED, e.g. for a calendar feed). `moved` maps an
    original start (aware) to a new local wall time; a moved session keeps its duration and
    is kept even on a holiday. Entries that match no date of the series are ignored.
    """
    if duration <= timedelta(0):
        raise RecurrenceError(END_BEFORE_START)
    window = (_utc(window_start), _utc(window_end))
    zone = _zone(tz)
    starts = series_local_starts(
        rrule=rrule,
        dtstart_local=dtstart_local,
        tz=tz,
        skip_public_holidays=skip_public_holidays,
        school_zone=school_zone,
        until_local=window[1].astimezone(zone).replace(tzinfo=None),
    )
    cancelled_utc = {_utc(start) for start in cancelled}
    moved_local = {_utc(old): _wall_time(new, zone) for old, new in (moved or {}).items()}
    occurrences = []
    for local in starts:
        original = _to_utc(local, zone)
        status = OccurrenceStatus.SCHEDULED
        if original in cancelled_utc:
            status = OccurrenceStatus.CANCELLED
        elif original in moved_local:
            status, local = OccurrenceStatus.MOVED, moved_local[original]
        occurrence = _occurrence(original, local, duration, zone, status)
        if status is OccurrenceStatus.CANCELLED and not include_cancelled:
            continue
        if window[0] <= occurrence.start < window[1]:
            occurrences.append(occurrence)
    return sorted(occurrences, key=lambda o: (o.start, o.original_start))


def _check_shape(parts: Mapping[str, str], rrule: str) -> None:
    if parts.get("FREQ") not in _FREQUENCIES:
        raise RecurrenceError(
            f"fréquence non prise en charge dans {rrule!r} : DAILY, WEEKLY, MONTHLY ou YEARLY"
        )
    if _TIME_PARTS & parts.keys():
        raise RecurrenceError("l'heure d'une séance vient de son heure de début, pas de la règle")
    if "UNTIL" in parts and "COUNT" in parts:
        raise RecurrenceError(
            "indiquez soit une date de fin soit un nombre de séances, pas les deux"
        )


def _starts_within(
    parts: Mapping[str, str], dtstart: datetime, zone: ZoneInfo, limit: datetime, rrule: str
) -> list[datetime]:
    """Expand the rule up to its end (or `limit`), refusing an end after `limit`.

    With COUNT every date up to `limit` is returned: the count applies once holidays are out.
    """
    bounded = {name: value for name, value in parts.items() if name not in {"UNTIL", "COUNT"}}
    if "UNTIL" in parts:
        until = _until_local(parts["UNTIL"], zone, rrule)
        if until > limit:
            raise _too_long(limit)
        bounded["UNTIL"] = until.strftime(_STAMP)
        return _build(bounded, dtstart, rrule)
    if "COUNT" in parts:
        _positive_int(parts["COUNT"], rrule)
    bounded["UNTIL"] = limit.strftime(_STAMP)
    return _build(bounded, dtstart, rrule)


def _too_long(limit: datetime) -> RecurrenceError:
    return RecurrenceError(
        f"la règle dépasse 3 ans : elle doit se terminer au plus tard le {limit:%d/%m/%Y}"
    )


def _build(parts: Mapping[str, str], dtstart: datetime, rrule: str) -> list[datetime]:
    text = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        rule = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError) as exc:
        raise RecurrenceError(f"règle de récurrence illisible : {rrule!r} ({exc})") from exc
    if not isinstance(rule, RRule):
        raise RecurrenceError(f"règle de récurrence illisible : {rrule!r}")
    return list(rule)


def _until_local(value: str, zone: ZoneInfo, rrule: str) -> datetime:
    """Read UNTIL as a local wall time; a bare date means the end of that day."""
    try:
        if len(value) == len("YYYYMMDD"):
            return datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time.max)
        if value.endswith("Z"):
            instant = datetime.strptime(value, f"{_STAMP}Z").replace(tzinfo=UTC)
            return instant.astimezone(zone).replace(tzinfo=None)
        return datetime.strptime(value, _STAMP)
    except ValueError as exc:
        raise RecurrenceError(f"date de fin illisible dans {rrule!r}") from exc


def _positive_int(value: str, rrule: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise RecurrenceError(f"nombre de séances illisible dans {rrule!r}")
    return int(value)


def _without_holidays(
    starts: list[datetime], skip_public_holidays: bool, school_zone: str | None
) -> list[datetime]:
    first, last = starts[0].date(), starts[-1].date()
    closed: set[date] = set()
    if skip_public_holidays:
        closed |= set(holidays.country_holidays("FR", years=range(first.year, last.year + 1)))
    periods: list[SchoolHolidayPeriod] = []
    if school_zone is not None:
        try:
            periods = school_holiday_periods(school_zone, first, last + timedelta(days=1))
        except UnknownSchoolZone as exc:
            raise RecurrenceError(f"vacances scolaires : {exc}") from exc
    return [
        start
        for start in starts
        if start.date() not in closed and not any(p.contains(start.date()) for p in periods)
    ]


def _occurrence(
    original: datetime,
    local: datetime,
    duration: timedelta,
    zone: ZoneInfo,
    status: OccurrenceStatus,
) -> Occurrence:
    start = _to_utc(local, zone)
    # The end is a wall time too: 14:30 + 2 h ends at 16:30 local even on a DST night.
    end = _to_utc(local + duration, zone)
    return Occurrence(original, start, end, start.astimezone(zone), status)


def _to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


def _wall_time(value: datetime, zone: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("original starts and window bounds must be timezone-aware")
    return value.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecurrenceError(f"fuseau horaire inconnu : {name!r}") from exc
