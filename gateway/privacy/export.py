"""Everything about one person, from every source, for a right-of-access request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Beneficiary
from gateway.audit import EXPORT, record_audit
from gateway.privacy.sources import PrivacyRegistry, UnknownBeneficiary

FORMAT = "lien-export/1"


async def export_person(
    session: AsyncSession,
    registry: PrivacyRegistry,
    *,
    beneficiary_id: int,
    staff_id: int | None,
    document: str = "json",
    via: str = "api",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Collect every source's section, JSON-ready, and audit the export; raise UnknownBeneficiary.

    Shape: {"format", "generated_at", "beneficiary_id", "sections": [{"name", "title",
    "labels", "data"}]}, sections in registration order (identity first).
    """
    if await session.get(Beneficiary, beneficiary_id) is None:
        raise UnknownBeneficiary(beneficiary_id)
    sections = [
        {
            "name": source.name,
            "title": source.title,
            "labels": dict(source.labels),
            "data": await source.export(session, beneficiary_id),
        }
        for source in registry
    ]
    moment = now or utcnow()
    record_audit(
        session,
        staff_id=staff_id,
        action=EXPORT,
        beneficiary_id=beneficiary_id,
        details={"format": document, "via": via, "sections": registry.names},
        at=moment,
    )
    return {
        "format": FORMAT,
        "generated_at": moment.isoformat(),
        "beneficiary_id": beneficiary_id,
        "sections": sections,
    }
