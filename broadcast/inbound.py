"""Replies after a broadcast: attached to it, then left to go on to the staff inbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.texts import broadcast_text
from db.models import Broadcast, BroadcastReply, Message, Organisation
from db.session import insert_ignore
from gateway.exchange import Origin
from gateway.inbound import InboundContext

ORIGIN_KIND = "broadcast"
REPLY_ORIGIN_KIND = "broadcast_reply"
# Organisation setting: for how many days after a broadcast a message counts as a reply to it.
REPLY_DAYS_SETTING = "broadcast_reply_days"
DEFAULT_REPLY_DAYS = 7


async def attach_reply(ctx: InboundContext) -> bool:
    """Attach a message to the last broadcast the person got.

    The first answer to a broadcast is acknowledged with the broadcast's reply text and taken,
    so that no conversation answers it with words meant for another moment ("the centre is
    open…" after "the centre is closed"); later messages go on to the other handlers.
    """
    broadcast_id = await replied_broadcast(
        ctx.session,
        beneficiary_id=ctx.person.id,
        organisation_id=ctx.person.organisation_id,
        at=ctx.message.created_at,
    )
    if broadcast_id is None:
        return False
    earlier = await ctx.session.scalar(
        select(BroadcastReply.id)
        .where(
            BroadcastReply.broadcast_id == broadcast_id,
            BroadcastReply.beneficiary_id == ctx.person.id,
        )
        .limit(1)
    )
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
    if earlier is not None:
        return False
    chosen = await ctx.session.scalar(
        select(Broadcast.reply_text).where(Broadcast.id == broadcast_id)
    )
    text = chosen or broadcast_text("reply_received", ctx.person.language)
    await ctx.reply(text, origin=Origin(REPLY_ORIGIN_KIND, str(broadcast_id)))
    return True


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
