"""The beneficiary record and the log of every exchange."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, Timestamped, utcnow
from db.encryption import EncryptedText


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Site(Timestamped, Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    school_zone: Mapped[str | None] = mapped_column(String(1))
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Beneficiary(Timestamped, Base):
    __tablename__ = "beneficiaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_contact_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set when the person's data was erased: the row stays, empty, for anonymous statistics.
    erased_at: Mapped[datetime | None]

    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="beneficiary", lazy="raise", order_by="ContactPoint.id"
    )
    tags: Mapped[list[BeneficiaryTag]] = relationship(lazy="raise", order_by="BeneficiaryTag.tag")


class BeneficiaryTag(Base):
    __tablename__ = "beneficiary_tags"
    __table_args__ = (UniqueConstraint("beneficiary_id", "tag"), Index(None, "tag"))

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))


class ContactPoint(Timestamped, Base):
    """One way to reach a person: an SMS number, a Telegram chat, a simulator address."""

    __tablename__ = "contact_points"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None]

    beneficiary: Mapped[Beneficiary] = relationship(back_populates="contact_points", lazy="raise")


class ConsentEvent(Timestamped, Base):
    """Proof of consent or objection: what, on which channel, when, and from where."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_points.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(200))


class Message(Base):
    """One exchange in either direction; outgoing rows are also the outbox."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "direction", "provider_id"),
        Index("ix_messages_outbox", "status", "not_before"),
        Index("ix_messages_timeline", "beneficiary_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_points.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))
    body: Mapped[str | None] = mapped_column(EncryptedText)
    choices: Mapped[list[Any] | None]
    status: Mapped[str] = mapped_column(String(16))
    origin_kind: Mapped[str] = mapped_column(String(16))
    origin_ref: Mapped[str | None] = mapped_column(String(64))
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    handled_by: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(default=0)
    respect_quiet_hours: Mapped[bool] = mapped_column(default=False)
    bypass_consent: Mapped[bool] = mapped_column(default=False)
    fallback_channel: Mapped[str | None] = mapped_column(String(16))
    not_before: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    encoding: Mapped[str | None] = mapped_column(String(8))
    segments: Mapped[int | None]
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MessageEvent(Base):
    """The status history of a message, in the order things happened."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelState(Base):
    """Shared pause of a channel after the provider said "too many requests"."""

    __tablename__ = "channel_states"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    paused_until: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(200))


class ChannelRate(Base):
    """A channel's sending tokens, shared by every worker so that its rate holds across all."""

    __tablename__ = "channel_rates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    tokens: Mapped[float]
    updated_at: Mapped[datetime]


class StaffMember(Timestamped, Base):
    __tablename__ = "staff_members"
    # Every account works for one organisation; only the instance operator stands outside.
    __table_args__ = (
        CheckConstraint(
            "role = 'operator' OR organisation_id IS NOT NULL", name="organisation_required"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Console sign-in: failures since the last success, and the end of a lock-out.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]


class ApiToken(Timestamped, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # None: valid until revoked.
    expires_at: Mapped[datetime | None]


class StaffSession(Base):
    """One signed-in console browser; the cookie holds only a random id, hashed here."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
