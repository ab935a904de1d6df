"""Inbound messages as received, before any processing: the durable inbound queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.encryption import EncryptedText


class InboundArrival(Base):
    """A message a provider delivered, stored before the answer so that it can never be lost.

    The id is the arrival sequence: one person's arrivals are processed in id order. A processed
    arrival is deleted (its message is then on the record); one that keeps failing stays, visible.
    """

    __tablename__ = "inbound_arrivals"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_inbound_arrivals_sender", "channel", "address", "id"),
        Index("ix_inbound_arrivals_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(EncryptedText)
    display_name: Mapped[str | None] = mapped_column(String(100))
    language_hint: Mapped[str | None] = mapped_column(String(8))
    extra: Mapped[dict[str, Any] | None]
    received_at: Mapped[datetime]
    # pending (to process, now or at next_attempt_at) or failed (given up, shown by the check).
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(300))
