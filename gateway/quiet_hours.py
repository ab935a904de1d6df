"""Sending windows: when automated messages may go out (French carrier practice by default)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

# Long enough to cross any run of closed days a real window can have (one year and a margin).
SEARCH_DAYS = 400
DEFAULT_WEEKDAYS = frozenset(range(6))  # 0 = Monday … 5 = Saturday; Sunday closed
# A message placed "before the window closes" goes this long before it does.
LAST_MINUTE = timedelta(minutes=1)
_KEYS = frozenset({"timezone", "weekdays", "start", "end", "closed_on_public_holidays"})


@dataclass(frozen=True)
class SendingWindow:
    """The days and hours of the week when automated messages may be sent."""

    timezone: str = "Europe/Paris"
    weekdays: frozenset[int] = field(default=DEFAULT_WEEKDAYS)
    start: time = time(8, 0)
    end: time = time(20, 0)
    closed_on_public_holidays: bool = True

    def __post_init__(self) -> None:
        _zone(self.timezone)
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        if any(not 0 <= day <= 6 for day in self.weekdays):
            raise ValueError("jours d'envoi invalides : de 0 (lundi) à 6 (dimanche)")
        if self.end <= self.start:
            raise ValueError("l'heure de fin d'envoi doit être après l'heure de début")

    @classmethod
    def from_mapping(cls, setting: Mapping[str, object]) -> SendingWindow:
        """Build a window from an organisation's JSON setting; missing keys take the defaults."""
        unknown = set(setting) - _KEYS
        if unknown:
            raise ValueError(f"réglage d'envoi inconnu : {', '.join(sorted(unknown))}")
        window = cls()
        return cls(
            timezone=_text(setting.get("timezone", window.timezone), "timezone"),
            weekdays=_weekdays(setting.get("weekdays", sorted(window.weekdays))),
            start=_clock(setting.get("start", window.start), "start"),
            end=_clock(setting.get("end", window.end), "end"),
            closed_on_public_holidays=_flag(
                setting.get("closed_on_public_holidays", window.closed_on_public_holidays)
            ),
        )

    def to_mapping(self) -> dict[str, object]:
        """Return the JSON setting that `from_mapping` reads back to this window."""
        return {
            "timezone": self.timezone,
            "weekdays": sorted(self.weekdays),
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "closed_on_public_holidays": self.closed_on_public_holidays,
        }


def is_open(window: SendingWindow, at: datetime) -> bool:
    """Say whether an automated message may be sent at that instant."""
    local = _aware(at).astimezone(_zone(window.timezone))
    return _day_open(window, local.date()) and window.start <= local.time() < window.end


def next_opening(window: SendingWindow, at: datetime) -> datetime:
    """Return the first instant at or after `at` when the window is open, in UTC."""
    at_utc = _aware(at).astimezone(UTC)
    if is_open(window, at_utc):
        return at_utc
    if not window.weekdays:
        raise ValueError("la fenêtre d'envoi ne s'ouvre jamais : aucun jour autorisé")
    zone = _zone(window.timezone)
    today = at_utc.astimezone(zone).date()
    for offset in range(SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if not _day_open(window, day):
            continue
        # A start inside a DST gap (never 08:00 in France) is read with the offset before it.
        opening = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
        if opening >= at_utc:
            return opening
    raise ValueError(f"la fenêtre d'envoi ne s'ouvre pas dans les {SEARCH_DAYS} prochains jours")


def last_open_before(window: SendingWindow, at: datetime, *, within: timedelta) -> datetime | None:
    """Return the last instant before `at`, no further back than `within`, when it is open.

    That is the last minute before the window closed, on the last open day; None if the window
    was closed all that time.
    """
    at_utc = _aware(at).astimezone(UTC)
    zone = _zone(window.timezone)
    today = at_utc.astimezone(zone).date()
    for offset in range(within.days + 2):
        day = today - timedelta(days=offset)
        if not _day_open(window, day):
            continue
        closing = datetime.combine(day, window.end, tzinfo=zone).astimezone(UTC)
        last = min(closing - LAST_MINUTE, at_utc - LAST_MINUTE)
        opening = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
        if last < opening:
            continue  # `at` is before this day's opening
        return last if at_utc - last <= within else None
    return None


def _day_open(window: SendingWindow, day: date) -> bool:
    if day.weekday() not in window.weekdays:
        return False
    return not (window.closed_on_public_holidays and day in _french_holidays(day.year))


@functools.cache
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"fuseau horaire inconnu : {name!r}") from exc


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a sending time must carry its timezone")
    return at


def _text(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"réglage d'envoi {key} : texte attendu")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("réglage d'envoi closed_on_public_holidays : vrai ou faux attendu")
    return value


def _weekdays(value: object) -> frozenset[int]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(day, int) and not isinstance(day, bool) for day in value
    ):
        raise ValueError("réglage d'envoi weekdays : liste de jours de 0 (lundi) à 6 (dimanche)")
    return frozenset(value)


def _clock(value: object, key: str) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"réglage d'envoi {key} : heure attendue au format HH:MM")
