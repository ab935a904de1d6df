"""What is left in the inbound queue: late, retrying or given-up arrivals, and putting them back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboundArrival
from gateway.arrivals import FAILED, PENDING


@dataclass(frozen=True)
class StuckArrival:
    id: int
    channel: str
    status: str
    attempts: int
    received_at: datetime
    next_attempt_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class InboxHealth:
    pending: int
    failed: int
    stuck: list[StuckArrival]
    stuck_total: int


async def inbox_health(
    session: AsyncSession, *, now: datetime, late: timedelta, limit: int
) -> InboxHealth:
    """Count the queue; list what failed at least once or waits longer than `late`, oldest first."""
    counts = dict(
        (
            await session.execute(
                select(InboundArrival.status, func.count()).group_by(InboundArrival.status)
            )
        ).all()
    )
    stuck_filter = or_(
        InboundArrival.status == FAILED,
        InboundArrival.attempts > 0,
        InboundArrival.received_at < now - late,
    )
    total = await session.scalar(select(func.count()).where(stuck_filter))
    rows = await session.execute(
        select(
            InboundArrival.id,
            InboundArrival.channel,
            InboundArrival.status,
            InboundArrival.attempts,
            InboundArrival.received_at,
            InboundArrival.next_attempt_at,
            InboundArrival.error,
        )
        .where(stuck_filter)
        .order_by(InboundArrival.id)
        .limit(limit)
    )
    return InboxHealth(
        pending=int(counts.get(PENDING, 0)),
        failed=int(counts.get(FAILED, 0)),
        stuck=[StuckArrival(*row) for row in rows.all()],
        stuck_total=int(total or 0),
    )


async def retry_failed(session: AsyncSession, *, now: datetime) -> int:
    """Put every given-up arrival back in the queue, due now; return how many."""
    result = await session.execute(
        update(InboundArrival)
        .where(InboundArrival.status == FAILED)
        .values(status=PENDING, attempts=0, next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
