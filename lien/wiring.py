"""Plug the domains into the gateway: inbound handlers and periodic jobs, in order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import AudienceSources
from broadcast.inbound import attach_reply
from broadcast.tasks import run_due_broadcasts
from lien.runtime import PeriodicJob, Runtime

# Replies to a broadcast are attached first; the handler never takes the message, so it goes
# on to the other handlers and, if none takes it, to the staff inbox.
BROADCAST_REPLIES_ORDER = 5


def audience_sources() -> AudienceSources:
    """Return the lists of other domains that broadcast audiences may be narrowed by."""
    # Event enrolments join here once the events domain offers a select of beneficiary ids.
    return AudienceSources()


async def fan_out_broadcasts(session: AsyncSession, now: datetime) -> None:
    await run_due_broadcasts(session, now, sources=audience_sources())


def wire_domains(runtime: Runtime) -> None:
    """Register every domain's handlers and jobs on a freshly started runtime."""
    runtime.router.register("broadcast-replies", attach_reply, order=BROADCAST_REPLIES_ORDER)
    runtime.jobs.append(
        PeriodicJob("broadcasts", runtime.settings.broadcast_tick_seconds, fan_out_broadcasts)
    )
