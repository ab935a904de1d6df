"""An iCalendar (RFC 5545) feed of sessions, for staff to subscribe to in their calendar."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as IcsEvent

from notifications.recurrence import Occurrence, OccurrenceStatus

PRODID = "-//Lien//Séances//FR"
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
    """Return the iCalendar text of the events (escaping and line folding by `icalendar`)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", _clean(name))
    for event in events:
        calendar.add_component(_entry(event, stamp))
    ical: bytes = calendar.to_ical()
    return ical.decode("utf-8")


def _entry(event: CalendarEvent, stamp: datetime) -> IcsEvent:
    entry = IcsEvent()
    entry.add("uid", _clean(event.uid))
    entry.add("dtstamp", stamp.astimezone(UTC))
    entry.add("dtstart", event.start.astimezone(UTC))
    entry.add("dtend", event.end.astimezone(UTC))
    entry.add("summary", _clean(event.title))
    if event.location:
        entry.add("location", _clean(event.location))
    if event.description:
        entry.add("description", _clean(event.description))
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.sequence:
        entry.add("sequence", event.sequence)
    return entry


def _clean(value: str) -> str:
    # TEXT values may hold no control character but HTAB and line breaks (RFC 5545, 3.3.11).
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
