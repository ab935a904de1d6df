"""Files people send with a message: a photo of a letter, a voice note, a PDF."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

PENDING = "pending"
STORED = "stored"
FAILED = "failed"
INBOUND = "in"
OUTBOUND = "out"


class Attachment(Base):
    """One file of a message: an inbound one known by the provider's reference until fetched.

    A pending row is fetched in the background (never while the provider waits for the
    webhook's answer); `next_attempt_at` is when it is due, and while a fetch is under way it
    holds the fetch's lease. A stored row names its file in the store; a failed one says why.
    An inbound file Twilio keeps is deleted there once stored: `provider_removal_due_at` is set
    until Twilio has said so. A file staff send with a reply is stored before it is queued.
    """

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("message_id", "position"),
        Index("ix_attachments_due", "status", "next_attempt_at"),
        Index("ix_attachments_removal_due", "provider_removal_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    # The order the person attached them in, from 0.
    position: Mapped[int]
    # A Twilio media URL or a Telegram file_id.
    provider_ref: Mapped[str] = mapped_column(String(500))
    declared_type: Mapped[str | None] = mapped_column(String(100))
    # What the content turned out to be, read from its first bytes.
    detected_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    fetched_at: Mapped[datetime | None]
    direction: Mapped[str] = mapped_column(String(3), default=INBOUND, server_default=INBOUND)
    # The name staff gave the file they sent, shown to the person as a download's name.
    file_name: Mapped[str | None] = mapped_column(String(200))
    provider_removal_due_at: Mapped[datetime | None]
    provider_removed_at: Mapped[datetime | None]
