"""What the broadcast pages show: the summary of an audience, the follow-up of a sent one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast import repository
from broadcast.followup import ReplyItem, list_replies
from db.models import Broadcast, StaffMember, TriageTicket
from lien.console.live import version

# The failure reasons listed on the page come from this many recipients at most.
REASON_SAMPLE = 5000
# What the progress bar shows, in this order; "waiting" and "queued" are still to go.
SHOWN_BUCKETS = (
    "delivered",
    "sent",
    "queued",
    "waiting",
    "failed",
    "opted_out",
    "unknown",
    "cancelled",
)


@dataclass(frozen=True)
class ReplyLine:
    reply: ReplyItem
    ticket_id: int | None


async def replies_with_tickets(session: AsyncSession, *, broadcast_id: int) -> list[ReplyLine]:
    """Return the replies to a broadcast, each with the person's latest ticket to open."""
    replies = await list_replies(session, broadcast_id=broadcast_id)
    people = {reply.beneficiary_id for reply in replies}
    tickets: dict[int, int] = {}
    if people:
        rows = await session.execute(
            select(TriageTicket.beneficiary_id, func.max(TriageTicket.id))
            .where(TriageTicket.beneficiary_id.in_(people))
            .group_by(TriageTicket.beneficiary_id)
        )
        tickets = {person: ticket for person, ticket in rows}
    return [ReplyLine(reply, tickets.get(reply.beneficiary_id)) for reply in replies]


async def failure_reasons(session: AsyncSession, *, broadcast_id: int) -> list[tuple[str, int]]:
    """Return why messages failed, most frequent first."""
    rows = await repository.export_rows(
        session, broadcast_id=broadcast_id, after=0, limit=REASON_SAMPLE
    )
    reasons = Counter(row.detail or "" for row in rows if row.bucket == "failed")
    return reasons.most_common(10)


async def staff_names(session: AsyncSession, broadcast: Broadcast) -> dict[int, str]:
    """Return the names of who wrote, approved or cancelled the broadcast."""
    ids = {broadcast.created_by, broadcast.approved_by, broadcast.cancelled_by} - {None}
    if not ids:
        return {}
    rows = await session.execute(
        select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(ids))
    )
    return {member_id: name for member_id, name in rows}


def progress_version(status: str, counts: dict[str, int], replies: int) -> str:
    """Return the fingerprint of the progress fragment."""
    return version([status, replies, *sorted(counts.items())])
