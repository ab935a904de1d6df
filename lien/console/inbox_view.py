"""What the inbox and the dashboard show: messages nobody took, who still waits, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, ChannelState, Message
from gateway import statuses
from gateway.inbound import INBOX


@dataclass(frozen=True)
class InboxLine:
    message: Message
    first_name: str | None
    last_name: str | None
    waiting: bool  # no staff reply since this message arrived


@dataclass(frozen=True)
class Counts:
    waiting: int
    received_today: int
    sent_today: int
    failed_today: int
    queued: int


def _last_staff_replies() -> Subquery:
    return (
        select(Message.beneficiary_id, func.max(Message.created_at).label("at"))
        .where(Message.direction == "out", Message.origin_kind == "staff")
        .group_by(Message.beneficiary_id)
        .subquery()
    )


async def inbox_lines(
    session: AsyncSession,
    *,
    channel: str | None = None,
    waiting_only: bool = False,
    limit: int = 100,
) -> list[InboxLine]:
    """Return the messages left for the team, newest first."""
    replies = _last_staff_replies()
    query = (
        select(Message, Beneficiary.first_name, Beneficiary.last_name, replies.c.at)
        .join(Beneficiary, Message.beneficiary_id == Beneficiary.id)
        .outerjoin(replies, replies.c.beneficiary_id == Message.beneficiary_id)
        .where(Message.direction == "in", Message.handled_by == INBOX)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    if channel:
        query = query.where(Message.channel == channel)
    if waiting_only:
        query = query.where(or_(replies.c.at.is_(None), replies.c.at < Message.created_at))
    rows = await session.execute(query)
    return [
        InboxLine(message, first, last, replied_at is None or replied_at < message.created_at)
        for message, first, last, replied_at in rows.all()
    ]


async def waiting_people(session: AsyncSession) -> int:
    """Count the people whose last message to the team has no staff reply after it."""
    last_in = (
        select(Message.beneficiary_id, func.max(Message.created_at).label("at"))
        .where(Message.direction == "in", Message.handled_by == INBOX)
        .group_by(Message.beneficiary_id)
        .subquery()
    )
    replies = _last_staff_replies()
    total = await session.scalar(
        select(func.count())
        .select_from(last_in)
        .outerjoin(replies, replies.c.beneficiary_id == last_in.c.beneficiary_id)
        .where(or_(replies.c.at.is_(None), replies.c.at < last_in.c.at))
    )
    return int(total or 0)


async def dashboard_counts(session: AsyncSession, *, since: datetime) -> Counts:
    """Count what happened since `since` (the start of the local day) and what waits."""
    rows = await session.execute(
        select(Message.direction, Message.status, func.count())
        .where(Message.created_at >= since)
        .group_by(Message.direction, Message.status)
    )
    received = sent = failed = 0
    for direction, status, count in rows.all():
        if direction == "in":
            received += count
        else:
            sent += count
            failed += count if status in (statuses.FAILED, statuses.UNDELIVERED) else 0
    queued = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.direction == "out", Message.status == statuses.QUEUED)
    )
    return Counts(await waiting_people(session), received, sent, failed, int(queued or 0))


async def paused_channels(session: AsyncSession, *, now: datetime) -> dict[str, ChannelState]:
    """Return the channels a provider asked us to slow down, until when and why."""
    rows = await session.execute(select(ChannelState).where(ChannelState.paused_until > now))
    return {state.channel: state for state in rows.scalars()}
