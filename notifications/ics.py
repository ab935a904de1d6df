"""An iCalendar (RFC 5545) feed of sessions, for staff to subscribe to in their calendar."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from notifications.recurrence import Occurrence, OccurrenceStatus

PRODID = "-//Lien//Séances//FR"
MAX_LINE_OCTETS = 75
_UTC_STAMP = "%Y%m%dT%H%M%SZ"
# TEXT values may hold no control character but HTAB (RFC 5545, 3.3.11).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class CalendarEvent:
    """One session as a calendar entry; `uid` must stay the same from one feed to the next."""

    uid: str
    title: str
    start: datetime
    end: datetime
    location: str = ""
    description: str = ""
    cancelled: bool = False
    sequence: int = 0  # raise it when the session changes, so clients replace their copy

    def __post_init__(self) -> None:
        if not self.uid.strip():
            raise ValueError("a calendar event needs a uid")
        for moment in (self.start, self.end):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError("calendar event times must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("a calendar event must end after it starts")


def event_from_occurrence(
    occurrence: Occurrence,
    *,
    series_uid: str,
    title: str,
    location: str = "",
    description: str = "",
    sequence: int = 0,
) -> CalendarEvent:
    """Return the calendar entry of one session, identified by its series and original start."""
    return CalendarEvent(
        uid=f"{series_uid}-{occurrence.original_start.astimezone(UTC):{_UTC_STAMP}}",
        title=title,
        start=occurrence.start,
        end=occurrence.end,
        location=location,
        description=description,
        cancelled=occurrence.status is OccurrenceStatus.CANCELLED,
        sequence=sequence,
    )


def calendar_feed(
    events: Iterable[CalendarEvent], *, stamp: datetime, name: str | None = None
) -> str:
    """Return the iCalendar text of the events, with CRLF line ends and folded lines."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(raw, escaped)
    return value


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character."""
    chunks: list[str] = []
    current: list[str] = []
    size, limit = 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            # Continuation lines start with a space, which counts in their 75 octets.
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += width
    chunks.append("".join(current))
    return "\r\n ".join(chunks)


def _event_lines(event: CalendarEvent, stamp: datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.start)}",
        f"DTEND:{_utc(event.end)}",
        f"SUMMARY:{escape_text(event.title)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    lines.append("STATUS:CANCELLED" if event.cancelled else "STATUS:CONFIRMED")
    if event.sequence:
        lines.append(f"SEQUENCE:{event.sequence}")
    lines.append("END:VEVENT")
    return lines


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime(_UTC_STAMP)
