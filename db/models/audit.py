"""Who changed what on a record, and when: the trail staff and the privacy work read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class AuditEvent(Base):
    """One action by a staff member, on a beneficiary's record or on the settings."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_record", "beneficiary_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL keeps the trail when an account or a record is erased.
    staff_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(64))
    beneficiary_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="SET NULL")
    )
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
