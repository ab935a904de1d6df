"""The audit trail: every change staff make to a record or to the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEvent, StaffMember
from gateway import audit as gateway_audit

# Reading a record is audited too, but the record lists only what changed it.
READS = (
    gateway_audit.VIEW,
    gateway_audit.VIEW_TIMELINE,
    gateway_audit.VIEW_CONSENT,
    gateway_audit.VIEW_ATTACHMENT,
    gateway_audit.SEARCH,
)


@dataclass(frozen=True)
class AuditLine:
    event: AuditEvent
    staff_name: str | None


async def record_audit(
    session: AsyncSession,
    *,
    staff: StaffMember,
    action: str,
    beneficiary_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one line of the audit trail in the caller's transaction."""
    event = gateway_audit.record_audit(
        session, staff_id=staff.id, action=action, beneficiary_id=beneficiary_id, details=details
    )
    await session.flush()
    return event


async def audit_trail(
    session: AsyncSession, *, beneficiary_id: int, limit: int = 50
) -> list[AuditLine]:
    """Return the latest changes to a record, newest first, with who made them."""
    rows = await session.execute(
        select(AuditEvent, StaffMember.name)
        .outerjoin(StaffMember, AuditEvent.staff_member_id == StaffMember.id)
        .where(AuditEvent.beneficiary_id == beneficiary_id, AuditEvent.action.not_in(READS))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [AuditLine(event, name) for event, name in rows.all()]


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for the fields whose value differs."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
