"""The audit trail as part of a person's data: shown on export, kept on erasure, purged late."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEvent, Beneficiary, StaffMember
from gateway.privacy.core import iso
from gateway.privacy.labels import section_texts
from gateway.privacy.sources import Exported, PurgeRun

EVENTS = "audit_events"


class AuditSource:
    """Who looked at or changed the record; the trail is the proof of the erasure, so it stays."""

    name = "audit"
    retention = {EVENTS: 60}

    def __init__(self) -> None:
        self.title, self.labels = section_texts(self.name)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        rows = await session.execute(
            select(AuditEvent.created_at, AuditEvent.action, StaffMember.name)
            .outerjoin(StaffMember, AuditEvent.staff_member_id == StaffMember.id)
            .where(AuditEvent.beneficiary_id == beneficiary_id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
        return [
            {"created_at": iso(at), "action": action, "staff_member": staff}
            for at, action, staff in rows.all()
        ]

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        return 0

    async def purge(self, session: AsyncSession, run: PurgeRun) -> dict[str, int]:
        cutoff = run.cutoff(EVENTS)
        if cutoff is None:
            return {}
        # Events about no one, or about a record since deleted, follow this organisation's
        # policy too: with several organisations the shortest period applies to them.
        known = select(Beneficiary.id)
        ours = known.where(Beneficiary.organisation_id == run.organisation_id)
        scope = (
            AuditEvent.created_at < cutoff,
            or_(
                AuditEvent.beneficiary_id.in_(ours),
                AuditEvent.beneficiary_id.is_(None),
                AuditEvent.beneficiary_id.not_in(known),
            ),
        )
        count = await session.scalar(select(func.count()).select_from(AuditEvent).where(*scope))
        if not run.dry_run and count:
            await session.execute(
                delete(AuditEvent).where(*scope).execution_options(synchronize_session=False)
            )
        return {EVENTS: int(count or 0)}
