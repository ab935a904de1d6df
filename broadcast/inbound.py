"""Replies after a broadcast: attached to it, then left to go on to the staff inbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BroadcastReply, Message, Organisation
from db.session import insert_ignore
from gateway.inbound import InboundContext

ORIGIN_KIND = "broadcast"
# Organisation setting: for how many days after a broadcast a message counts as a reply to it.
REPLY_DAYS_SETTING = "broadcast_reply_days"
DEFAULT_REPLY_DAYS = 7


async def attach_reply(ctx: InboundContext) -> bool:
    """Attach a message to the last broadcast the person got; never take the message."""
    broadcast_id = await replied_broadcast(
        ctx.session,
        beneficiary_id=ctx.person.id,
        organisation_id=ctx.person.organisation_id,
        at=ctx.message.created_at,
    )
    if broadcast_id is not None:
        await insert_ignore(
            ctx.session,
            BroadcastReply.__table__,  # type: ignore[arg-type]
            {
                "broadcast_id": broadcast_id,
                "message_id": ctx.message.id,
                "beneficiary_id": ctx.person.id,
                "created_at": ctx.message.created_at,
            },
        )
    return False


async def replied_broadcast(
    session: AsyncSession, *, beneficiary_id: int, organisation_id: int, at: datetime
) -> int | None:
    """Return the broadcast a message written at `at` answers, if one reached the person lately."""
    row = (
        await session.execute(
            select(Message.origin_ref, Message.sent_at)
            .where(
                Message.beneficiary_id == beneficiary_id,
                Message.direction == "out",
                Message.origin_kind == ORIGIN_KIND,
                Message.sent_at.is_not(None),
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
    ).first()
    if row is None or row.origin_ref is None or not row.origin_ref.isdigit():
        return None
    settings = await session.scalar(
        select(Organisation.settings).where(Organisation.id == organisation_id)
    )
    days = (settings or {}).get(REPLY_DAYS_SETTING, DEFAULT_REPLY_DAYS)
    if row.sent_at is None or row.sent_at < at - timedelta(days=days):
        return None
    return int(row.origin_ref)
