from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from icalendar import Calendar

from notifications.ics import CalendarEvent, calendar_feed, event_from_occurrence
from notifications.recurrence import Occurrence, OccurrenceStatus

STAMP = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
WORKSHOP = CalendarEvent(
    uid="atelier-12-20260106T133000Z@lien",
    title="Atelier cuisine",
    start=datetime(2026, 1, 6, 13, 30, tzinfo=UTC),
    end=datetime(2026, 1, 6, 15, 30, tzinfo=UTC),
    location="Centre social, salle 2",
)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_feed_structure_with_crlf_line_ends() -> None:
    text = calendar_feed([WORKSHOP], stamp=STAMP, name="Séances du centre")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = unfold(text)
    assert lines[-1] == "" and lines[-2] == "END:VCALENDAR"
    calendar_lines, event_lines = (
        lines[: lines.index("BEGIN:VEVENT")],
        lines[lines.index("BEGIN:VEVENT") :],
    )
    assert set(calendar_lines) == {
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Lien//Séances//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Séances du centre",
    }
    assert set(event_lines[:-2]) == {
        "BEGIN:VEVENT",
        "UID:atelier-12-20260106T133000Z@lien",
        "DTSTAMP:20260102T080000Z",
        "DTSTART:20260106T133000Z",
        "DTEND:20260106T153000Z",
        "SUMMARY:Atelier cuisine",
        "LOCATION:Centre social\\, salle 2",
        "STATUS:CONFIRMED",
        "END:VEVENT",
    }


def test_empty_feed_is_a_valid_calendar() -> None:
    text = calendar_feed([], stamp=STAMP)
    assert unfold(text)[0] == "BEGIN:VCALENDAR" and unfold(text)[-2:] == ["END:VCALENDAR", ""]
    parsed = Calendar.from_ical(text)
    assert str(parsed["PRODID"]) == "-//Lien//Séances//FR" and not parsed.walk("VEVENT")


def test_times_are_written_in_utc() -> None:
    paris_winter = timezone(timedelta(hours=1))
    event = CalendarEvent(
        uid="x",
        title="t",
        start=datetime(2026, 1, 6, 14, 30, tzinfo=paris_winter),
        end=datetime(2026, 1, 6, 16, 30, tzinfo=paris_winter),
    )
    lines = unfold(calendar_feed([event], stamp=STAMP))
    assert "DTSTART:20260106T133000Z" in lines
    assert "DTEND:20260106T153000Z" in lines


def test_cancelled_sessions_stay_in_the_feed_as_cancelled() -> None:
    cancelled = replace(WORKSHOP, cancelled=True, sequence=2)
    lines = unfold(calendar_feed([cancelled], stamp=STAMP))
    assert "STATUS:CANCELLED" in lines
    assert "SEQUENCE:2" in lines


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("a,b;c\\d", "a,b;c\\d"),
        ("ligne 1\r\nligne 2\rligne 3", "ligne 1\nligne 2\nligne 3"),
        ("sonnerie\x07", "sonnerie"),
        ("tab\there", "tab\there"),
    ],
)
def test_texts_come_back_whole_from_the_feed(raw: str, kept: str) -> None:
    text = calendar_feed([replace(WORKSHOP, description=raw)], stamp=STAMP)
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert str(event["DESCRIPTION"]) == kept


def test_escaping_in_the_feed() -> None:
    event = replace(WORKSHOP, description="Entrée libre, 2€; salle \\B\nApportez un tablier")
    assert "DESCRIPTION:Entrée libre\\, 2€\\; salle \\\\B\\nApportez un tablier" in unfold(
        calendar_feed([event], stamp=STAMP)
    )


def test_every_line_of_a_long_feed_fits() -> None:
    event = replace(WORKSHOP, description="é" * 300, title="Séance d’été 🌞 à l’accueil — " * 6)
    text = calendar_feed([event], stamp=STAMP)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    (parsed,) = Calendar.from_ical(text).walk("VEVENT")
    assert str(parsed["SUMMARY"]) == event.title and str(parsed["DESCRIPTION"]) == "é" * 300


def test_event_from_occurrence_identifies_the_session_by_its_original_start() -> None:
    occurrence = Occurrence(
        original_start=datetime(2026, 1, 20, 13, 30, tzinfo=UTC),
        start=datetime(2026, 1, 22, 9, 0, tzinfo=UTC),
        end=datetime(2026, 1, 22, 11, 0, tzinfo=UTC),
        local_start=datetime(2026, 1, 22, 10, 0, tzinfo=UTC),
        status=OccurrenceStatus.MOVED,
    )
    event = event_from_occurrence(occurrence, series_uid="atelier-12@lien", title="Atelier")
    assert event.uid == "atelier-12@lien-20260120T133000Z"
    assert (event.start, event.end, event.cancelled) == (occurrence.start, occurrence.end, False)
    cancelled = replace(occurrence, status=OccurrenceStatus.CANCELLED)
    assert event_from_occurrence(cancelled, series_uid="s", title="t").cancelled


@pytest.mark.parametrize(
    "changes",
    [
        {"uid": " "},
        {"start": datetime(2026, 1, 6, 13, 30)},
        {"end": datetime(2026, 1, 6, 13, 30, tzinfo=UTC)},
    ],
)
def test_bad_events_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        replace(WORKSHOP, **changes)
