"""The audit trail of personal data: who viewed, exported, edited or erased which record."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import AuditEvent

# What can be recorded; `details` says more, never with the personal data itself.
VIEW = "view"
VIEW_TIMELINE = "view_timeline"
VIEW_CONSENT = "view_consent"
VIEW_ATTACHMENT = "view_attachment"
SEARCH = "search"
CREATE = "create"
EDIT = "edit"
CONSENT = "consent"
ADD_CONTACT = "add_contact"
EXPORT = "export"
ERASE = "erase"
PROVIDER_DELETE = "provider_delete"
RECONTACT = "recontact_after_erasure"
RETENTION_SETTINGS = "retention_settings"
PURGE = "purge"


def record_audit(
    session: AsyncSession,
    *,
    staff_id: int | None,
    action: str,
    beneficiary_id: int | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's transaction; it stands or falls with the action."""
    event = AuditEvent(
        staff_member_id=staff_id,
        action=action,
        beneficiary_id=beneficiary_id,
        details=dict(details or {}),
        created_at=at or utcnow(),
    )
    session.add(event)
    return event


async def audit_events(
    session: AsyncSession,
    *,
    beneficiary_id: int | None = None,
    staff_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEvent]:
    """Return audit events, newest first, matching every filter given."""
    stmt = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if beneficiary_id is not None:
        stmt = stmt.where(AuditEvent.beneficiary_id == beneficiary_id)
    if staff_id is not None:
        stmt = stmt.where(AuditEvent.staff_member_id == staff_id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    if since is not None:
        stmt = stmt.where(AuditEvent.created_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.created_at < until)
    result = await session.execute(stmt.limit(limit).offset(offset))
    return list(result.scalars())
