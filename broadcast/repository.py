"""All the SQL over broadcast recipients: set-based, never one Python object per person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from broadcast.audience import Audience, best_channel
from db.models import Beneficiary, BroadcastRecipient, BroadcastReply, ContactPoint, Message, Site

ORIGIN_KIND = "broadcast"
PENDING = "pending"
QUEUED = "queued"
OPTED_OUT = "opted_out"
UNREACHABLE = "unreachable"
CANCELLED = "cancelled"
# The outbox names a fallback message after the first one (gateway.outcomes._fall_back).
FALLBACK_SUFFIX = ":fallback"
# Provider answers meaning the person does not want messages: Twilio's STOP, a blocked bot.
OPT_OUT_ERRORS = ("21610", "403")
BUCKETS = ("waiting", "queued", "sent", "delivered", "failed", "opted_out", "cancelled", "unknown")


def dedup_key(broadcast_id: int, beneficiary_id: int) -> str:
    """Return the outbox key that makes one message per person and broadcast."""
    return f"broadcast:{broadcast_id}:{beneficiary_id}"


async def materialise(session: AsyncSession, *, broadcast_id: int, audience: Audience) -> int:
    """Insert one recipient row per person of the audience in one statement; return the count.

    Run once per broadcast, under its row lock and with its change of status: a second run
    would break the primary key (broadcast, person) rather than add anyone twice.
    """
    rows = audience.ids().with_only_columns(
        literal(broadcast_id, Integer), Beneficiary.id, literal(PENDING, String)
    )
    statement = insert(BroadcastRecipient).from_select(
        ["broadcast_id", "beneficiary_id", "state"], rows
    )
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Pending:
    """A recipient still to be queued, with what their message needs."""

    beneficiary_id: int
    language: str
    first_name: str | None
    site: str | None
    channel: str | None


async def pending_recipients(
    session: AsyncSession, *, broadcast_id: int, channels: Sequence[str], limit: int
) -> list[Pending]:
    """Return the next recipients without a message, with the channel each would take."""
    rows = await session.execute(
        select(
            BroadcastRecipient.beneficiary_id,
            Beneficiary.language,
            Beneficiary.first_name,
            Site.name,
            best_channel(channels),
        )
        .join(Beneficiary, Beneficiary.id == BroadcastRecipient.beneficiary_id)
        .outerjoin(Site, Site.id == Beneficiary.site_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state == PENDING)
        .order_by(BroadcastRecipient.beneficiary_id)
        .limit(limit)
    )
    return [Pending(*row) for row in rows]


async def opted_out_among(
    session: AsyncSession, *, beneficiary_ids: Sequence[int], channels: Sequence[str]
) -> set[int]:
    """Return those of these people who asked to stop on one of these channels."""
    if not beneficiary_ids:
        return set()
    rows = await session.execute(
        select(ContactPoint.beneficiary_id).where(
            ContactPoint.beneficiary_id.in_(beneficiary_ids),
            ContactPoint.channel.in_(channels),
            ContactPoint.opted_out.is_(True),
        )
    )
    return set(rows.scalars())


async def message_ids_by_key(session: AsyncSession, keys: Sequence[str]) -> dict[str, int]:
    if not keys:
        return {}
    rows = await session.execute(
        select(Message.dedup_key, Message.id).where(Message.dedup_key.in_(keys))
    )
    return {key: mid for key, mid in rows if key is not None}


async def update_recipients(session: AsyncSession, changes: Sequence[dict[str, Any]]) -> None:
    """Write recipients' new states, grouped so each executemany has the same columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        groups.setdefault(tuple(sorted(change)), []).append(change)
    for group in groups.values():
        await session.execute(update(BroadcastRecipient), group)


async def cancel_pending(
    session: AsyncSession, *, broadcast_id: int, detail: str | None = None
) -> int:
    """Mark cancelled every recipient not queued yet."""
    result = await session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state == PENDING)
        .values(state=CANCELLED, detail=detail)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def due_messages(session: AsyncSession, *, now: datetime) -> int:
    """Count the broadcast messages waiting in the outbox that could leave now."""
    count = await session.scalar(
        select(func.count(Message.id)).where(
            Message.status == "queued",
            Message.origin_kind == ORIGIN_KIND,
            or_(Message.not_before.is_(None), Message.not_before <= now),
        )
    )
    return count or 0


class _Delivery:
    """Each recipient with their message and, when Telegram refused, its SMS fallback."""

    def __init__(self) -> None:
        self.first = aliased(Message)
        self.fallback = aliased(Message)
        status = func.coalesce(self.fallback.status, self.first.status)
        code = case(
            (self.fallback.id.is_not(None), self.fallback.error_code), else_=self.first.error_code
        )
        recipient = BroadcastRecipient
        self.bucket: ColumnElement[str] = case(
            (recipient.state == PENDING, "waiting"),
            (recipient.state == CANCELLED, "cancelled"),
            (recipient.state == OPTED_OUT, "opted_out"),
            (recipient.state == UNREACHABLE, "failed"),
            (self.first.id.is_(None), "unknown"),
            (status.in_(("queued", "sending")), "queued"),
            (status == "sent", "sent"),
            (status.in_(("delivered", "read")), "delivered"),
            (status == "suppressed", "opted_out"),
            (and_(status == "failed", code.in_(OPT_OUT_ERRORS)), "opted_out"),
            (status == "cancelled", "cancelled"),
            (status == "unknown", "unknown"),
            else_="failed",
        )

    def select(self, *columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .select_from(BroadcastRecipient)
            .outerjoin(self.first, self.first.id == BroadcastRecipient.message_id)
            .outerjoin(
                self.fallback, self.fallback.dedup_key == self.first.dedup_key + FALLBACK_SUFFIX
            )
        )


async def bucket_counts(session: AsyncSession, *, broadcast_id: int) -> dict[str, int]:
    """Count recipients by what became of them: waiting, queued, sent, delivered, failed…"""
    delivery = _Delivery()
    inner = (
        delivery.select(delivery.bucket.label("bucket"))
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .subquery()
    )
    rows = await session.execute(select(inner.c.bucket, func.count()).group_by(inner.c.bucket))
    counts = dict.fromkeys(BUCKETS, 0)
    counts.update(dict(rows.all()))
    return counts


async def messages_in_flight(session: AsyncSession, *, broadcast_id: int) -> bool:
    """Tell whether a message of the broadcast (or its fallback) has not reached its end."""
    delivery = _Delivery()
    stmt = delivery.select(BroadcastRecipient.beneficiary_id).where(
        BroadcastRecipient.broadcast_id == broadcast_id,
        delivery.bucket.in_(("waiting", "queued")),
    )
    return (await session.scalar(select(exists(stmt)))) is True


@dataclass(frozen=True)
class ExportRow:
    beneficiary_id: int
    first_name: str | None
    last_name: str | None
    language: str
    site: str | None
    channel: str | None
    address: str | None
    bucket: str
    detail: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    replies: int


async def export_rows(
    session: AsyncSession, *, broadcast_id: int, after: int, limit: int
) -> list[ExportRow]:
    """Return one page of recipients, by beneficiary id, with what became of each."""
    delivery = _Delivery()
    first, fallback = delivery.first, delivery.fallback
    last_of = _last_of(first, fallback)
    replies = (
        select(func.count(BroadcastReply.id))
        .where(
            BroadcastReply.broadcast_id == broadcast_id,
            BroadcastReply.beneficiary_id == BroadcastRecipient.beneficiary_id,
        )
        .scalar_subquery()
    )
    stmt = (
        delivery.select(
            BroadcastRecipient.beneficiary_id,
            Beneficiary.first_name,
            Beneficiary.last_name,
            Beneficiary.language,
            Site.name,
            last_of(first.channel, fallback.channel),
            ContactPoint.address,
            delivery.bucket,
            func.coalesce(
                last_of(first.error_reason, fallback.error_reason), BroadcastRecipient.detail
            ),
            last_of(first.sent_at, fallback.sent_at),
            last_of(first.delivered_at, fallback.delivered_at),
            replies,
        )
        .join(Beneficiary, Beneficiary.id == BroadcastRecipient.beneficiary_id)
        .outerjoin(Site, Site.id == Beneficiary.site_id)
        .outerjoin(
            ContactPoint,
            ContactPoint.id == last_of(first.contact_point_id, fallback.contact_point_id),
        )
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.beneficiary_id > after,
        )
        .order_by(BroadcastRecipient.beneficiary_id)
        .limit(limit)
    )
    return [ExportRow(*row) for row in (await session.execute(stmt))]


def _last_of(first: Any, fallback: Any) -> Any:
    def pick(of_first: Any, of_fallback: Any) -> Any:
        return case((fallback.id.is_not(None), of_fallback), else_=of_first)

    return pick
