"""What privacy work leaves behind: erased addresses, provider deletions, anonymous counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class ErasedContact(Base):
    """A keyed hash of an erased phone number or chat id: enough to recognise it, not to read it."""

    __tablename__ = "erased_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProviderDeletion(Base):
    """A message to delete at the provider, done after the erasure committed, retried until done."""

    __tablename__ = "provider_deletions"
    __table_args__ = (
        UniqueConstraint("provider", "provider_id"),
        Index("ix_provider_deletions_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(64))
    # No foreign key: the row outlives the record, as the audit trail does.
    beneficiary_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


class RetentionCount(Base):
    """Anonymous counts of what retention removed, per organisation, month, channel, direction."""

    __tablename__ = "retention_counts"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "kind",
            "month",
            "channel",
            "direction",
            name="uq_retention_counts_bucket",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    month: Mapped[str] = mapped_column(String(7))
    channel: Mapped[str] = mapped_column(String(16), default="")
    direction: Mapped[str] = mapped_column(String(3), default="")
    count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
