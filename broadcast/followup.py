"""Following a broadcast: live counts, the per-recipient export, the replies it drew."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast import repository
from broadcast.service import load_broadcast
from broadcast.texts import broadcast_text
from db.models import Beneficiary, BroadcastReply, Message

EXPORT_PAGE = 5000


@dataclass(frozen=True)
class Progress:
    """Where a broadcast stands; `counts` has every bucket of repository.BUCKETS."""

    broadcast_id: int
    status: str
    recipients: int
    counts: dict[str, int]
    replies: int


async def broadcast_progress(
    session: AsyncSession, *, broadcast_id: int, organisation_id: int | None = None
) -> Progress:
    """Count recipients by what became of them, as of now."""
    broadcast = await load_broadcast(
        session, broadcast_id=broadcast_id, organisation_id=organisation_id
    )
    counts = await repository.bucket_counts(session, broadcast_id=broadcast.id)
    replies = await session.scalar(
        select(func.count(BroadcastReply.id)).where(BroadcastReply.broadcast_id == broadcast.id)
    )
    materialised = sum(counts.values())
    return Progress(
        broadcast_id=broadcast.id,
        status=broadcast.status,
        recipients=materialised or broadcast.recipient_count or 0,
        counts=counts,
        replies=replies or 0,
    )


async def export_csv(
    session: AsyncSession,
    *,
    broadcast_id: int,
    language: str = "fr",
    timezone: str = "Europe/Paris",
    page_size: int = EXPORT_PAGE,
) -> AsyncIterator[str]:
    """Yield the per-recipient CSV (semicolons, as French spreadsheets expect), page by page."""
    zone = ZoneInfo(timezone)
    yield broadcast_text("export_columns", language) + "\r\n"
    after = 0
    while True:
        rows = await repository.export_rows(
            session, broadcast_id=broadcast_id, after=after, limit=page_size
        )
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        for row in rows:
            writer.writerow(
                [
                    row.beneficiary_id,
                    _cell(row.first_name),
                    _cell(row.last_name),
                    row.language,
                    _cell(row.site),
                    row.channel or "",
                    row.address or "",
                    broadcast_text(f"status_{row.bucket}", language),
                    _cell(row.detail),
                    _local(row.sent_at, zone),
                    _local(row.delivered_at, zone),
                    row.replies,
                ]
            )
        yield buffer.getvalue()
        after = rows[-1].beneficiary_id


def _cell(text: str | None) -> str:
    # A name typed as "=HYPERLINK(…)" must stay text when staff open the file in a spreadsheet.
    value = text or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _local(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""


@dataclass(frozen=True)
class ReplyItem:
    message_id: int
    beneficiary_id: int
    first_name: str | None
    channel: str
    text: str | None
    received_at: datetime


async def list_replies(
    session: AsyncSession, *, broadcast_id: int, limit: int = 200
) -> list[ReplyItem]:
    """Return the replies attached to a broadcast, newest first."""
    rows = await session.execute(
        select(
            Message.id,
            Message.beneficiary_id,
            Beneficiary.first_name,
            Message.channel,
            Message.body,
            Message.created_at,
        )
        .join(BroadcastReply, BroadcastReply.message_id == Message.id)
        .join(Beneficiary, Beneficiary.id == Message.beneficiary_id)
        .where(BroadcastReply.broadcast_id == broadcast_id)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return [ReplyItem(*row) for row in rows]
