"""Plug the domains into the gateway: inbound handlers and periodic jobs, in order."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.reconcile import settle_unconfirmed
from lien.runtime import PeriodicFunc, PeriodicJob, Runtime

# Often enough that a closed send shows within the hour, rarely enough to cost nothing.
SETTLE_EVERY_SECONDS = 15 * 60


def settle_job(hours: float) -> PeriodicFunc:
    """Close, after `hours`, the sends whose outcome no provider report can tell any more."""

    async def settle(session: AsyncSession, now: datetime) -> int:
        return await settle_unconfirmed(session, now, after=timedelta(hours=hours))

    return settle


def wire_domains(runtime: Runtime) -> None:
    """Register every domain's handlers and jobs on a freshly started runtime."""
    runtime.jobs.append(
        PeriodicJob(
            "outbox-settle",
            SETTLE_EVERY_SECONDS,
            settle_job(runtime.settings.unknown_settle_hours),
        )
    )
