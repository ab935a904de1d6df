"""Consent and objection: the current state per channel, and the proof of every change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ConsentEvent, ContactPoint

OPT_IN = "opt_in"
OPT_OUT = "opt_out"


async def _contacts(
    session: AsyncSession, *, beneficiary_id: int, contact: ContactPoint | None
) -> list[ContactPoint]:
    if contact is not None:
        return [contact]
    result = await session.execute(
        select(ContactPoint).where(ContactPoint.beneficiary_id == beneficiary_id)
    )
    return list(result.scalars())


async def record_consent(
    session: AsyncSession,
    *,
    beneficiary_id: int,
    kind: str,
    source: str,
    contact: ContactPoint | None = None,
    detail: str | None = None,
) -> list[ContactPoint]:
    """Apply an opt-in or opt-out to one contact, or to every contact of the person."""
    now = utcnow()
    changed = await _contacts(session, beneficiary_id=beneficiary_id, contact=contact)
    for point in changed:
        point.opted_out = kind == OPT_OUT
        point.opted_out_at = now if kind == OPT_OUT else None
        session.add(
            ConsentEvent(
                beneficiary_id=beneficiary_id,
                contact_point_id=point.id,
                channel=point.channel,
                kind=kind,
                source=source,
                detail=detail,
                created_at=now,
            )
        )
    await session.flush()
    return changed


async def consent_history(session: AsyncSession, beneficiary_id: int) -> list[ConsentEvent]:
    result = await session.execute(
        select(ConsentEvent)
        .where(ConsentEvent.beneficiary_id == beneficiary_id)
        .order_by(ConsentEvent.id)
    )
    return list(result.scalars())
