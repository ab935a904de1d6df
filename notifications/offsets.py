"""When reminders go: "J-2@10:00" (two days before, at 10:00 local time) or "H-2" (two hours)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.errors import InvalidError

DEFAULT_OFFSETS = ("J-2@10:00", "H-2")
MAX_DAYS = 14
MAX_HOURS = 72
MAX_MINUTES = 24 * 60
MAX_OFFSETS = 4
_DAYS = re.compile(r"^[JD]-(\d{1,2})@(\d{1,2})[:H](\d{2})$")
_HOURS = re.compile(r"^H-(\d{1,2})$")
_MINUTES = re.compile(r"^M-(\d{1,4})$")


class OffsetError(ValueError, InvalidError):
    """A reminder time staff wrote that Lien cannot read."""


@dataclass(frozen=True)
class ReminderOffset:
    """Either a number of days before at a local hour, or a duration before the start."""

    key: str
    days: int | None = None
    at: time | None = None
    before: timedelta | None = None

    def due_at(self, start: datetime, *, tz: str) -> datetime:
        """Return when the reminder of a session starting at `start` is due, in UTC."""
        if self.before is not None:
            return start.astimezone(UTC) - self.before
        assert self.days is not None and self.at is not None
        zone = ZoneInfo(tz)
        day = start.astimezone(zone).date() - timedelta(days=self.days)
        return datetime.combine(day, self.at, tzinfo=zone).astimezone(UTC)


def parse_offset(raw: str) -> ReminderOffset:
    """Read "J-2@10:00", "J-1@18h00", "H-2" or "M-30" into its canonical form."""
    value = raw.strip().upper().replace(" ", "")
    if match := _DAYS.match(value):
        days, hour, minute = (int(part) for part in match.groups())
        if days > MAX_DAYS or hour > 23 or minute > 59:
            raise OffsetError(f"rappel « {raw} » : au plus J-{MAX_DAYS}, heure de 00:00 à 23:59")
        at = time(hour, minute)
        return ReminderOffset(f"J-{days}@{at:%H:%M}", days=days, at=at)
    if match := _HOURS.match(value):
        hours = int(match.group(1))
        if not 1 <= hours <= MAX_HOURS:
            raise OffsetError(f"rappel « {raw} » : de H-1 à H-{MAX_HOURS}")
        return ReminderOffset(f"H-{hours}", before=timedelta(hours=hours))
    if match := _MINUTES.match(value):
        minutes = int(match.group(1))
        if not 5 <= minutes <= MAX_MINUTES:
            raise OffsetError(f"rappel « {raw} » : de M-5 à M-{MAX_MINUTES}")
        return ReminderOffset(f"M-{minutes}", before=timedelta(minutes=minutes))
    raise OffsetError(
        f"rappel illisible : « {raw} » (exemples : J-2@10:00 = deux jours avant à 10 h, "
        "H-2 = deux heures avant, M-30 = trente minutes avant)"
    )


def parse_offsets(raw: Iterable[str]) -> list[ReminderOffset]:
    """Read a list of reminder times, without repeats, refusing more than a few."""
    offsets: dict[str, ReminderOffset] = {}
    for item in raw:
        offset = parse_offset(item)
        offsets.setdefault(offset.key, offset)
    if len(offsets) > MAX_OFFSETS:
        raise OffsetError(f"au plus {MAX_OFFSETS} rappels par activité")
    return list(offsets.values())
