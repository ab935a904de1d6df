"""The privacy layer's periodic jobs, and the core's personal-data sources, set on a runtime."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.privacy.builtin import core_sources
from gateway.privacy.provider_deletions import TWILIO, RemovalPass, process_deletions
from gateway.privacy.retention import PurgeReport, purge_all
from gateway.privacy.sources import PrivacyRegistry
from lien.runtime import PeriodicFunc, PeriodicJob, Runtime

DAY = 24 * 3600.0
RETENTION_FIRST_RUN = 600.0
DELETIONS_EVERY = 60.0


def register_core_sources(registry: PrivacyRegistry) -> None:
    """Inscribe the core's tables; domains inscribe theirs after, so they are erased first."""
    for source in core_sources():
        registry.register(source)


def retention_job(registry: PrivacyRegistry) -> PeriodicFunc:
    async def run(session: AsyncSession, now: datetime) -> list[PurgeReport]:
        return await purge_all(session, registry, now=now, dry_run=False)

    return run


def provider_deletion_job(runtime: Runtime) -> PeriodicFunc:
    # The job's own session is left unused, so it never begins: the provider is called
    # between two short transactions of process_deletions, never inside one.
    async def run(_session: AsyncSession, now: datetime) -> RemovalPass | None:
        if runtime.twilio is None:
            return None
        return await process_deletions(
            runtime.sessionmaker, runtime.twilio, provider=TWILIO, now=now
        )

    return run


def wire_privacy(runtime: Runtime) -> None:
    """Register the core's sources and the retention and provider-deletion jobs."""
    register_core_sources(runtime.privacy)
    runtime.jobs.append(
        PeriodicJob(
            "privacy-retention",
            DAY,
            retention_job(runtime.privacy),
            first_run_after=RETENTION_FIRST_RUN,
        )
    )
    if runtime.twilio is not None:
        runtime.jobs.append(
            PeriodicJob("provider-deletions", DELETIONS_EVERY, provider_deletion_job(runtime))
        )
