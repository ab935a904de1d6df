"""Accueil conversations, the staff triage queue and staff edits of the directory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped, utcnow

# A ticket in these states still waits for the team; one such ticket per person at most.
OPEN_TICKET = text("status != 'resolved'")


class Conversation(Base):
    """Where one person is in a flow: one row per person, reused when they start again."""

    __tablename__ = "conversations"
    __table_args__ = (Index(None, "status", "next_timeout_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), unique=True
    )
    # The way the person last wrote: timeouts and nudges go back there.
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_points.id", ondelete="SET NULL")
    )
    flow_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_timeout_at: Mapped[datetime | None]
    # The message that began this conversation: a ticket shows the exchange from there on.
    first_message_id: Mapped[int | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TriageTicket(Timestamped, Base):
    """A person the team has to look at, in the queue ordered by urgency then age."""

    __tablename__ = "triage_tickets"
    __table_args__ = (
        Index(
            "uq_triage_tickets_open_per_person",
            "beneficiary_id",
            unique=True,
            postgresql_where=OPEN_TICKET,
            sqlite_where=OPEN_TICKET,
        ),
        Index(None, "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_points.id", ondelete="SET NULL")
    )
    need: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), index=True
    )
    directory_entries: Mapped[list[Any]] = mapped_column(default=list)
    # What the person's own words said was urgent: [{category, words, at}], shown to staff.
    urgency_signals: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    first_message_id: Mapped[int | None]
    last_message_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TicketNote(Timestamped, Base):
    """A private note of the team on a ticket; never sent to the person."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("triage_tickets.id", ondelete="CASCADE"), index=True
    )
    staff_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)


class DirectoryOverride(Base):
    """Staff changes to one directory entry, laid over the shipped file (or a new entry)."""

    __tablename__ = "directory_overrides"
    # Each organisation lays its own edits over the file.
    __table_args__ = (UniqueConstraint("organisation_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    entry_id: Mapped[str] = mapped_column(String(64))
    # Only the fields staff changed; for an entry the file does not have, the whole entry.
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    removed: Mapped[bool] = mapped_column(default=False)
    places_available: Mapped[int | None]
    places_updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TranslationOverride(Base):
    """An association's own text for one key of a catalogue in one language, laid over the file."""

    __tablename__ = "translation_overrides"
    __table_args__ = (UniqueConstraint("organisation_id", "catalogue", "key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    catalogue: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # "draft" until someone fluent in the language has read it, then "reviewed".
    status: Mapped[str] = mapped_column(String(16), default="draft")
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    # An interpreter without an account, named when a reviewed file is imported.
    reviewed_by_name: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
