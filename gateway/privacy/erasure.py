"""Erasing one person: every source blanks or deletes its share, in one transaction, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Beneficiary, ProviderDeletion
from gateway.audit import ERASE, record_audit
from gateway.privacy.provider_deletions import PENDING
from gateway.privacy.sources import PrivacyRegistry, UnknownBeneficiary

ON_REQUEST = "request"
BY_RETENTION = "retention"


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: rows touched per source, provider deletions waiting."""

    beneficiary_id: int
    rows: dict[str, int]
    provider_deletions: int
    already_erased: bool


async def erase_person(
    session: AsyncSession,
    registry: PrivacyRegistry,
    *,
    beneficiary_id: int,
    staff_id: int | None,
    trigger: str = ON_REQUEST,
    via: str = "api",
    now: datetime | None = None,
) -> Erasure:
    """Erase a person's data everywhere, keep anonymous statistics; raise UnknownBeneficiary."""
    person = await session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise UnknownBeneficiary(beneficiary_id)
    already = person.erased_at is not None
    rows = {
        source.name: await source.erase(session, beneficiary_id)
        for source in registry.for_removal()
    }
    person.erased_at = person.erased_at or now or utcnow()
    waiting = await session.scalar(
        select(func.count())
        .select_from(ProviderDeletion)
        .where(
            ProviderDeletion.beneficiary_id == beneficiary_id, ProviderDeletion.status == PENDING
        )
    )
    record_audit(
        session,
        staff_id=staff_id,
        action=ERASE,
        beneficiary_id=beneficiary_id,
        details={
            "trigger": trigger,
            "via": via,
            "rows": rows,
            "provider_deletions": int(waiting or 0),
            "already_erased": already,
        },
        at=now,
    )
    await session.flush()
    return Erasure(beneficiary_id, rows, int(waiting or 0), already)
