"""The one place where an exchange is written to a beneficiary's record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Message, MessageEvent


@dataclass(frozen=True)
class Origin:
    """Why a message exists: a flow, a reminder, a broadcast, a staff member, a keyword."""

    kind: str
    ref: str | None = None


async def log_exchanges(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Write messages and their first status event; return their ids in order."""
    if not rows:
        return []
    now = utcnow()
    values = [{"created_at": now, "updated_at": now, **row} for row in rows]
    result = await session.execute(
        insert(Message).returning(Message.id, sort_by_parameter_order=True), values
    )
    ids = list(result.scalars().all())
    await session.execute(
        insert(MessageEvent),
        [
            {"message_id": mid, "status": row["status"], "detail": None, "created_at": now}
            for mid, row in zip(ids, values, strict=True)
        ],
    )
    return ids


async def log_inbound(session: AsyncSession, row: dict[str, Any]) -> int | None:
    """Write a received message unless its provider id was seen before; return its id."""
    now = utcnow()
    values = {"created_at": now, "updated_at": now, **row}
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(Message).values(**values).on_conflict_do_nothing().returning(Message.id)
    # A received message has one status, its arrival: created_at is its whole history.
    message_id = (await session.execute(stmt)).scalar()
    return None if message_id is None else int(message_id)


async def log_status(
    session: AsyncSession,
    message: Message,
    status: str,
    *,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Change a message's status and keep the step in its history."""
    when = at or utcnow()
    message.status = status
    message.updated_at = when
    session.add(MessageEvent(message_id=message.id, status=status, detail=detail, created_at=when))


async def status_history(session: AsyncSession, message_ids: Sequence[int]) -> list[MessageEvent]:
    result = await session.execute(
        select(MessageEvent)
        .where(MessageEvent.message_id.in_(message_ids))
        .order_by(MessageEvent.id)
    )
    return list(result.scalars())
