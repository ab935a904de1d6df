"""A site's calendar feed: every session of its events, cancelled ones marked, for staff."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, Site
from notifications import schedule
from notifications.ics import calendar_feed, event_from_occurrence
from notifications.texts import event_text

PAST = timedelta(days=31)
FUTURE = timedelta(days=366)


async def site_feed(session: AsyncSession, *, site: Site, now: datetime) -> str:
    """Return the iCalendar text of the site's sessions from a month ago to a year ahead."""
    events = (
        await session.execute(select(Event).where(Event.site_id == site.id).order_by(Event.id))
    ).scalars()
    entries = []
    for event in list(events):
        changed = await schedule.changed_occurrences(session, event.id)
        revisions = {o.original_start: o.revision for o in changed}
        dates = schedule.expand(
            event,
            zone=await schedule.school_zone(session, event),
            start=now - PAST,
            end=now + FUTURE,
            changed=changed,
            include_cancelled=True,
        )
        place = event.place or site.name
        for date in dates:
            entries.append(
                event_from_occurrence(
                    date,
                    series_uid=f"lien-event-{event.id}",
                    title=event_text(event.texts, "title", "fr"),
                    location=place,
                    description=event_text(event.texts, "text", "fr"),
                    sequence=event.sequence + revisions.get(date.original_start, 0),
                )
            )
    entries.sort(key=lambda e: (e.start, e.uid))
    return calendar_feed(entries, stamp=now, name=site.name)
