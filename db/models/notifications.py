"""Workshops and distributions: series, sessions, enrolments, answers, reminders, mail notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped, utcnow


class Event(Timestamped, Base):
    """A workshop, distribution or office hours of a site: one session or a recurring series."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # language -> {"title", "text", optional "reminder" template}; French always present.
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    place: Mapped[str | None] = mapped_column(String(200))
    rrule: Mapped[str] = mapped_column(String(500))
    # The announced wall time ("14:30"), kept naive so it stays 14:30 across DST changes.
    dtstart_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    duration_minutes: Mapped[int]
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    skip_public_holidays: Mapped[bool] = mapped_column(default=True)
    skip_school_holidays: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int | None]
    reminder_offsets: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    sequence: Mapped[int] = mapped_column(default=0)
    # Sessions are written as rows up to this instant; the tick moves it forward.
    materialised_until: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Occurrence(Base):
    """One session of an event, identified by the start its rule gave even after a move."""

    __tablename__ = "occurrences"
    __table_args__ = (UniqueConstraint("event_id", "original_start"), Index(None, "start"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    original_start: Mapped[datetime]
    start: Mapped[datetime]
    end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OccurrenceChange(Base):
    """What staff changed about a session: cancelled or moved, by whom, when and why."""

    __tablename__ = "occurrence_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrences.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    previous_start: Mapped[datetime]
    new_start: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(300))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Enrollment(Timestamped, Base):
    """A person on the list of an event: enrolled, waiting for a place, or withdrawn."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("event_id", "beneficiary_id"),
        Index(None, "event_id", "status", "position"),
        Index(None, "beneficiary_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    # Order on the waiting list (and of enrolment): smaller came first.
    position: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Rsvp(Base):
    """A person and one session: their answer, a place offered from the waiting list, presence."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("occurrence_id", "beneficiary_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    response: Mapped[str | None] = mapped_column(String(8))
    responded_at: Mapped[datetime | None]
    # What the person said besides yes or no ("oui mais en retard"), for the team.
    note: Mapped[str | None] = mapped_column(String(300))
    offer: Mapped[str | None] = mapped_column(String(16))
    offered_at: Mapped[datetime | None]
    offer_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    attended: Mapped[bool | None]
    attendance_at: Mapped[datetime | None]
    attendance_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )


class Reminder(Base):
    """One reminder of one session to one person; the key makes it exist, and go, once."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "beneficiary_id", "offset_key"),
        Index(
            "ix_reminders_pending",
            "due_at",
            postgresql_where=text("message_id IS NULL AND skipped_reason IS NULL"),
            sqlite_where=text("message_id IS NULL AND skipped_reason IS NULL"),
        ),
        Index(None, "beneficiary_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    offset_key: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    # Whether it went out, was deferred or expired is the message's status, not a copy here.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    queued_at: Mapped[datetime | None]
    skipped_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventMenu(Base):
    """The sessions last listed to a person after ACTIVITES, so that "2" means the second."""

    __tablename__ = "event_menus"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    event_ids: Mapped[list[Any]] = mapped_column(default=list)
    sent_at: Mapped[datetime]


class MailNotice(Timestamped, Base):
    """Mail arrived for a domiciled person on a given day: one message, however many marks."""

    __tablename__ = "mail_notices"
    __table_args__ = (UniqueConstraint("beneficiary_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    day: Mapped[date]
    marks: Mapped[int] = mapped_column(default=1)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    skipped_reason: Mapped[str | None] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
