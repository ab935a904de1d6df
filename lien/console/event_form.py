"""The form that creates an event: one session or a series, read into the domain's spec."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from notifications.recurrence_pattern import Frequency, RecurrencePattern, to_rrule
from notifications.service import EventSpec
from notifications.states import KINDS

ONCE, WEEKLY, MONTHLY = "once", "weekly", "monthly"
REPEATS = (ONCE, WEEKLY, MONTHLY)
WEEKDAYS = tuple(str(day) for day in range(7))
WEEKS_OF_MONTH = ("1", "2", "3", "4", "-1")
INTERVALS = tuple(str(n) for n in range(1, 13))
MAX_CAPACITY = 10_000

BAD_DATE = Problem(N_("Date attendue au format JJ/MM/AAAA."))
BAD_CLOCK = Problem(N_("Heure attendue au format HH:MM (par exemple 14:30)."))
END_BEFORE_START = Problem(N_("L'heure de fin doit être après l'heure de début."))
NO_DAY = Problem(N_("Choisissez au moins un jour de la semaine."))
ONE_DAY = Problem(N_("Une séance mensuelle a lieu un seul jour de la semaine : cochez-en un."))
NO_UNTIL = Problem(N_("Indiquez jusqu'à quand la série se répète."))
UNTIL_BEFORE = Problem(N_("La date de fin est avant la première date."))
BAD_CAPACITY = Problem(
    N_("Nombre de places : un nombre entier de 1 à %(limit)s, ou vide pour sans limite."),
    {"limit": MAX_CAPACITY},
)
PAST_START = Problem(N_("La première séance est déjà passée."))

EMPTY_FORM = {
    "site": "",
    "kind": "workshop",
    "title": "",
    "description": "",
    "place": "",
    "first_date": "",
    "start": "14:00",
    "end": "16:00",
    "capacity": "",
    "repeat": ONCE,
    "weekdays": "",
    "interval": "1",
    "week_of_month": "1",
    "until": "",
    "skip_school_holidays": "",
    "skip_public_holidays": "on",
}


def read_date(form: FormReader, name: str, *, required: bool) -> date | None:
    """Return a date typed as YYYY-MM-DD (the date input) or DD/MM/YYYY."""
    value = form.text(name, required=required, max_length=10)
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    form.refuse(name, BAD_DATE)
    return None


def _capacity(form: FormReader) -> int | None:
    raw = form.text("capacity", max_length=6)
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_CAPACITY:
        form.refuse("capacity", BAD_CAPACITY)
        return None
    return int(raw)


def _rule(form: FormReader, first: date | None, start: time | None, end: time | None) -> str | None:
    """Return the series rule, or None for a single session (problems attached to fields)."""
    repeat = form.choice("repeat", REPEATS, required=True)
    days = [int(d) for d in form.many("weekdays", WEEKDAYS)]
    interval = int(form.choice("interval", INTERVALS) or "1")
    week = form.choice("week_of_month", WEEKS_OF_MONTH) or "1"
    until = read_date(form, "until", required=False)
    if repeat in ("", ONCE):
        return None
    if not days:
        form.refuse("weekdays", NO_DAY)
    elif repeat == MONTHLY and len(days) != 1:
        form.refuse("weekdays", ONE_DAY)
    if until is None:
        form.refuse("until", NO_UNTIL)
    elif first is not None and until < first:
        form.refuse("until", UNTIL_BEFORE)
    if not form.ok or until is None or first is None or start is None or end is None:
        return None
    pattern = RecurrencePattern(
        frequency=Frequency.MONTHLY if repeat == MONTHLY else Frequency.WEEKLY,
        start_date=first,
        start_time=start,
        end_time=end,
        weekdays=tuple(days),
        interval=interval,
        week_of_month=int(week) if repeat == MONTHLY else None,
        until=until,
    )
    return to_rrule(pattern)


def read_event(
    form: FormReader, *, sites: list[str], timezone: str, today: date
) -> EventSpec | None:
    """Read the creation form; None with a problem next to each bad field."""
    site = form.choice("site", sites, required=True)
    kind = form.choice("kind", KINDS, required=True)
    title = form.text("title", required=True, max_length=120)
    description = form.text("description", max_length=500)
    place = form.text("place", max_length=200)
    first = read_date(form, "first_date", required=True)
    start, end = form.clock("start", BAD_CLOCK), form.clock("end", BAD_CLOCK)
    capacity = _capacity(form)
    skip_school = form.flag("skip_school_holidays")
    skip_public = form.flag("skip_public_holidays")
    if start and end and end <= start:
        form.refuse("end", END_BEFORE_START)
    if first is not None and first < today:
        form.refuse("first_date", PAST_START)
    rrule = _rule(form, first, start, end)
    if first is None or start is None or end is None or not form.ok:
        return None
    texts = {"fr": {"title": title, **({"text": description} if description else {})}}
    return EventSpec(
        site_slug=site,
        kind=kind,
        texts=texts,
        dtstart_local=datetime.combine(first, start),
        duration=datetime.combine(first, end) - datetime.combine(first, start),
        rrule=rrule,
        place=place or None,
        timezone=timezone,
        capacity=capacity,
        skip_public_holidays=skip_public,
        skip_school_holidays=skip_school,
    )


def week_start(day: date) -> date:
    """Return the Monday of a date's week."""
    return day - timedelta(days=day.weekday())
