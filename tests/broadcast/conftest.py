"""Builders for broadcast tests: a small user file and broadcasts ready to go."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import AudienceFilter, AudienceSources
from broadcast.service import Draft, create_broadcast, submit_broadcast
from db.models import Broadcast, Site
from gateway.records import ensure_organisation

# A Tuesday at 10:00 in Paris: inside the default sending window.
OPEN = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
# A Sunday at 10:00 in Paris: automated messages wait for Monday 08:00.
SUNDAY = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
MONDAY_OPENING = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


async def second_site(session: AsyncSession, site: Site) -> Site:
    """Return another site of the same organisation."""
    other = Site(organisation_id=site.organisation_id, slug="lezignan", name="Lézignan", info={})
    session.add(other)
    await session.flush()
    return other


async def other_organisation_site(session: AsyncSession) -> Site:
    return await ensure_organisation(
        session, slug="ami-aude", name="AMI Aude", site_slug="aude", site_name="Aude"
    )


async def sent_broadcast(
    session: AsyncSession,
    site: Site,
    *,
    texts: Mapping[str, str] | None = None,
    audience: AudienceFilter | None = None,
    urgent: bool = False,
    stop_notice: bool = False,
    now: datetime = OPEN,
    created_by: int | None = None,
) -> Broadcast:
    """Create and submit a broadcast, committed so that other sessions see it."""
    broadcast = await create_broadcast(
        session,
        organisation_id=site.organisation_id,
        draft=Draft(
            title="Information",
            texts=texts or {"fr": "Bonjour {prénom}, le centre est fermé demain."},
            audience=audience or AudienceFilter(),
            urgent=urgent,
            stop_notice=stop_notice,
        ),
        created_by=created_by,
    )
    await submit_broadcast(
        session, broadcast_id=broadcast.id, by=created_by, now=now, sources=AudienceSources()
    )
    await session.commit()
    return broadcast
