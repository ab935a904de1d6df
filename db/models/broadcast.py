"""Broadcast alerts: the message, its texts per language, who gets it, who answered; imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, Timestamped, utcnow


class Broadcast(Timestamped, Base):
    """One information note sent to part of an organisation's user file."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index(None, "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # draft, pending_approval, scheduled, sending, done, cancelled
    status: Mapped[str] = mapped_column(String(20), default="draft")
    urgent: Mapped[bool] = mapped_column(default=False)
    stop_notice: Mapped[bool] = mapped_column(default=True)
    # What a reply to this broadcast is answered with; empty means the catalogue's default.
    reply_text: Mapped[str | None] = mapped_column(String(500))
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    send_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    recipient_count: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    approved_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    cancelled_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    materialised_at: Mapped[datetime | None]
    fanned_out_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    texts: Mapped[list[BroadcastText]] = relationship(
        lazy="raise", order_by="BroadcastText.language", cascade="all, delete-orphan"
    )


class BroadcastText(Base):
    """The text of a broadcast in one language; French is the fallback for every other."""

    __tablename__ = "broadcast_texts"
    __table_args__ = (UniqueConstraint("broadcast_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)


class BroadcastRecipient(Base):
    """One person a broadcast goes to; the key makes a second delivery impossible."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        Index(None, "beneficiary_id"),
        # Only linked rows are indexed, so materialising (message_id still empty) stays cheap.
        Index(
            "ix_broadcast_recipients_message_id",
            "message_id",
            postgresql_where=text("message_id IS NOT NULL"),
            sqlite_where=text("message_id IS NOT NULL"),
        ),
    )

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    # pending (not yet queued), queued, opted_out, unreachable, cancelled
    state: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    detail: Mapped[str | None] = mapped_column(String(200))


class BroadcastReply(Base):
    """A message a person sent after a broadcast reached them, attached to that broadcast."""

    __tablename__ = "broadcast_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportJob(Base):
    """A large user file being saved batch by batch, each batch in a transaction of its own.

    The file stays here until every row is saved (so any process can take an interrupted
    import up again), then only what the report shows is kept.
    """

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    default_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    # The uploaded file, emptied once every row is saved; read only when a run starts.
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    column_map: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # running, done, failed (an interrupted run is a running one whose heartbeat stopped)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int]
    done: Mapped[int] = mapped_column(default=0)
    # What the file itself reports (lines left out, merged, warnings), written at the start.
    file_report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What the saved batches did, updated with each of them.
    tally: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The run that holds the import, and when it last showed it was alive.
    runner: Mapped[str | None] = mapped_column(String(32))
    heartbeat_at: Mapped[datetime]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
