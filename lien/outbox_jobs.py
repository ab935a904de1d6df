"""The outbox's own periodic work: ask Twilio about unknown sends, close what none can tell."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from gateway.channels.twilio import TwilioChannel
from gateway.reconcile import reconcile_unknown, settle_unconfirmed
from lien.runtime import PeriodicFunc, PeriodicJob, PeriodicTask, Runtime

# Often enough that a closed send shows within the hour, rarely enough to cost nothing.
SETTLE_EVERY_SECONDS = 15 * 60
# Twilio is asked about sends of unknown outcome every five minutes, once they are five
# minutes old: by then a status report would have come, had it been going to.
RECONCILE_EVERY_SECONDS = 5 * 60


def settle_job(hours: float) -> PeriodicFunc:
    """Close, after `hours`, the sends whose outcome no provider report can tell any more."""

    async def settle(session: AsyncSession, now: datetime) -> int:
        return await settle_unconfirmed(session, now, after=timedelta(hours=hours))

    return settle


def reconcile_task(runtime: Runtime) -> PeriodicTask | None:
    """Ask Twilio what became of unknown SMS sends, when SMS is on."""
    sms = runtime.channels.get("sms")
    if not isinstance(sms, TwilioChannel):
        return None

    async def reconcile() -> object:
        return await reconcile_unknown(runtime.sessionmaker, lookups={"sms": sms}, now=utcnow())

    return PeriodicTask("outbox-reconcile", RECONCILE_EVERY_SECONDS, reconcile)


def wire_outbox(runtime: Runtime) -> None:
    """Register the outbox's periodic job and, when SMS is on, its reconciliation task.

    The dispatcher is also given the instance's file links, so that an SMS sent instead of a
    blocked Telegram message carries the link to the file that message held.
    """
    runtime.dispatcher.links = runtime.settings.file_links()
    runtime.jobs.append(
        PeriodicJob(
            "outbox-settle",
            SETTLE_EVERY_SECONDS,
            settle_job(runtime.settings.unknown_settle_hours),
        )
    )
    if (task := reconcile_task(runtime)) is not None:
        runtime.tasks.append(task)
