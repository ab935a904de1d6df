"""The periodic tick: write the coming sessions, pass on stale offers, queue due reminders."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.reminders import queue_due_reminders
from notifications.rsvp import lapse_offers
from notifications.schedule import materialise_due

log = logging.getLogger(__name__)
# How often the scheduler runs the tick: a due reminder waits at most this long to be queued.
TICK_SECONDS = 1.0


@dataclass(frozen=True)
class TickReport:
    events_extended: int
    offers_lapsed: int
    reminders_queued: int
    reminders_skipped: int


async def tick(session: AsyncSession, now: datetime) -> TickReport:
    """Do the reminders' periodic work at `now`; safe to run again, late, or in several workers."""
    extended = await materialise_due(session, now=now)
    lapsed = await lapse_offers(session, now=now)
    queued = await queue_due_reminders(session, now=now)
    report = TickReport(extended, lapsed, queued.queued, queued.skipped)
    if extended or lapsed or queued.queued or queued.skipped:
        log.info("reminders tick", extra=report.__dict__)
    return report
