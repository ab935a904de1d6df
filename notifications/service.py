"""Events: creating, checking, changing and listing workshops, distributions and their sessions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Event, Occurrence, Reminder
from gateway.records import site_by_slug
from notifications import repository, schedule
from notifications.enrollments import fill_places
from notifications.offsets import DEFAULT_OFFSETS, parse_offsets
from notifications.recurrence import END_BEFORE_START, RecurrenceError, series_local_starts
from notifications.states import ACTIVE, ARCHIVED, KINDS, SKIP_ARCHIVED, InvalidEvent, NotFound
from notifications.texts import template_problems

ONE_SESSION = "FREQ=DAILY;COUNT=1"
TEXT_FIELDS = {"title": 120, "text": 500, "reminder": 480}
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class EventSpec:
    """A new event as staff describe it; `rrule` None means a single session."""

    site_slug: str
    kind: str
    texts: Mapping[str, Mapping[str, str]]
    dtstart_local: datetime
    duration: timedelta
    rrule: str | None = None
    place: str | None = None
    timezone: str = "Europe/Paris"
    capacity: int | None = None
    skip_public_holidays: bool = True
    skip_school_holidays: bool = False
    reminder_offsets: Sequence[str] = DEFAULT_OFFSETS


@dataclass(frozen=True)
class EventChanges:
    """What may change on an existing event; None leaves a field as it is."""

    texts: Mapping[str, Mapping[str, str]] | None = None
    place: str | None = None
    capacity: int | None = None
    unlimited: bool = False
    reminder_offsets: Sequence[str] | None = None
    status: str | None = None


def checked_texts(texts: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Return the event texts per language, refusing a missing French title or a bad template."""
    problems: list[str] = []
    clean: dict[str, dict[str, str]] = {}
    for language, fields in texts.items():
        if not _LANGUAGE.match(language):
            problems.append(f"langue invalide : {language!r} (code ISO 639-1, ex. fr, en, ar)")
            continue
        for name, value in fields.items():
            limit = TEXT_FIELDS.get(name)
            if limit is None:
                problems.append(f"champ inconnu : {name!r} (title, text ou reminder)")
            elif len(value) > limit:
                problems.append(f"{language}.{name} : {limit} caractères au plus")
            elif name == "reminder":
                problems += template_problems(value)
        clean[language] = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    if not clean.get("fr", {}).get("title"):
        problems.append("le titre en français est obligatoire")
    if problems:
        raise InvalidEvent(" ; ".join(problems))
    return clean


def _check_series(spec: EventSpec, zone: str | None) -> str:
    if spec.kind not in KINDS:
        raise InvalidEvent(f"type d'activité inconnu : {spec.kind!r} ({', '.join(KINDS)})")
    if spec.capacity is not None and spec.capacity < 1:
        raise InvalidEvent("la capacité doit être d'au moins une place")
    if spec.duration <= timedelta(0):
        raise RecurrenceError(END_BEFORE_START)
    if spec.duration > timedelta(hours=24):
        raise InvalidEvent("une séance dure au plus 24 heures")
    rrule = spec.rrule or ONE_SESSION
    series_local_starts(
        rrule=rrule,
        dtstart_local=spec.dtstart_local,
        tz=spec.timezone,
        skip_public_holidays=spec.skip_public_holidays,
        school_zone=zone,
    )
    return rrule


def local_time(value: datetime, tz: str) -> datetime:
    """Return a time as a naive wall time of the zone; a naive one is already one."""
    if value.tzinfo is None:
        return value
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidEvent(f"fuseau horaire inconnu : {tz!r}") from exc
    return value.astimezone(zone).replace(tzinfo=None)


async def create_event(
    session: AsyncSession,
    *,
    spec: EventSpec,
    staff_id: int | None = None,
    now: datetime | None = None,
) -> Event:
    """Check and save an event, write its coming sessions; raise InvalidEvent, UnknownSite."""
    site = await site_by_slug(session, spec.site_slug)
    if spec.skip_school_holidays and site.school_zone is None:
        raise InvalidEvent(
            f"le site « {site.slug} » n'a pas de zone de vacances scolaires (A, B ou C)"
        )
    texts = checked_texts(spec.texts)
    offsets = [o.key for o in parse_offsets(spec.reminder_offsets)]
    spec = replace(spec, dtstart_local=local_time(spec.dtstart_local, spec.timezone))
    rrule = _check_series(spec, site.school_zone if spec.skip_school_holidays else None)
    event = Event(
        site_id=site.id,
        kind=spec.kind,
        texts=texts,
        place=(spec.place or "").strip() or None,
        rrule=rrule,
        dtstart_local=spec.dtstart_local,
        duration_minutes=int(spec.duration.total_seconds() // 60),
        timezone=spec.timezone,
        skip_public_holidays=spec.skip_public_holidays,
        skip_school_holidays=spec.skip_school_holidays,
        capacity=spec.capacity,
        reminder_offsets=offsets,
        status=ACTIVE,
        created_by=staff_id,
    )
    session.add(event)
    await session.flush()
    await schedule.materialise_event(session, event=event, now=now or utcnow())
    return event


async def get_event(session: AsyncSession, event_id: int) -> Event:
    """Return an event or raise NotFound."""
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFound(f"activité introuvable : {event_id}")
    return event


async def list_events(
    session: AsyncSession, *, site_slug: str | None = None, include_archived: bool = False
) -> list[Event]:
    """Return the events, of one site if given, oldest first."""
    stmt = select(Event).order_by(Event.id)
    if site_slug is not None:
        site = await site_by_slug(session, site_slug)
        stmt = stmt.where(Event.site_id == site.id)
    if not include_archived:
        stmt = stmt.where(Event.status == ACTIVE)
    return list((await session.execute(stmt)).scalars())


async def update_event(
    session: AsyncSession, *, event_id: int, changes: EventChanges, now: datetime | None = None
) -> Event:
    """Change an event's texts, place, capacity, reminders or status, with their effects."""
    now = now or utcnow()
    event = await get_event(session, event_id)
    if changes.texts is not None:
        event.texts = checked_texts(changes.texts)
    if changes.place is not None:
        event.place = changes.place.strip() or None
    if changes.texts is not None or changes.place is not None:
        event.sequence += 1
    if changes.reminder_offsets is not None:
        await _change_offsets(session, event, changes.reminder_offsets, now)
    if changes.capacity is not None or changes.unlimited:
        await _change_capacity(session, event, None if changes.unlimited else changes.capacity, now)
    if changes.status is not None and changes.status != event.status:
        await _change_status(session, event, changes.status, now)
    await session.flush()
    return event


async def _change_offsets(
    session: AsyncSession, event: Event, raw: Sequence[str], now: datetime
) -> None:
    keys = [o.key for o in parse_offsets(raw)]
    coming = select(Occurrence.id).where(Occurrence.event_id == event.id, Occurrence.start > now)
    # Reminders of a removed time that have not gone yet are dropped, not sent.
    await session.execute(
        delete(Reminder).where(
            repository.pending(),
            Reminder.occurrence_id.in_(coming),
            Reminder.offset_key.not_in(keys),
        )
    )
    event.reminder_offsets = keys
    await schedule.plan_event_reminders(session, event=event, now=now)


async def _change_capacity(
    session: AsyncSession, event: Event, capacity: int | None, now: datetime
) -> None:
    if capacity is not None and capacity < 1:
        raise InvalidEvent("la capacité doit être d'au moins une place")
    event.capacity = capacity
    await session.flush()
    await fill_places(session, event=event, now=now)


async def _change_status(session: AsyncSession, event: Event, status: str, now: datetime) -> None:
    if status not in (ACTIVE, ARCHIVED):
        raise InvalidEvent(f"statut inconnu : {status!r} (active ou archived)")
    event.status = status
    if status == ARCHIVED:
        coming = select(Occurrence.id).where(Occurrence.event_id == event.id)
        await repository.skip_pending(
            session, Reminder.occurrence_id.in_(coming), reason=SKIP_ARCHIVED, now=now
        )
    else:
        await schedule.materialise_event(session, event=event, now=now)


@dataclass(frozen=True)
class SessionView:
    """One session as staff see it; `id` is None until it is written (beyond the horizon)."""

    id: int | None
    original_start: datetime
    start: datetime
    end: datetime
    status: str


async def list_occurrences(
    session: AsyncSession, *, event: Event, start: datetime, end: datetime
) -> list[SessionView]:
    """Return the event's sessions starting in [start, end), cancelled ones included."""
    if end <= start:
        raise InvalidEvent("la fin de la période doit être après son début")
    if end - start > timedelta(days=800):
        raise InvalidEvent("période trop longue : deux ans au plus")
    changed = await schedule.changed_occurrences(session, event.id)
    dates = schedule.expand(
        event,
        zone=await schedule.school_zone(session, event),
        start=start,
        end=end,
        changed=changed,
        include_cancelled=True,
    )
    rows = await session.execute(
        select(Occurrence.original_start, Occurrence.id).where(Occurrence.event_id == event.id)
    )
    ids: dict[datetime, int] = dict(rows.all())
    return [
        SessionView(ids.get(d.original_start), d.original_start, d.start, d.end, d.status.value)
        for d in dates
    ]
