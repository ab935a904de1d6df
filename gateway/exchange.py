"""The one place where an exchange is written to a beneficiary's record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.base import utcnow
from db.models import Message, MessageEvent
from gateway.metrics import count_messages, count_statuses


@dataclass(frozen=True)
class StatusStep:
    """One step of a message's status history."""

    message_id: int
    status: str
    at: datetime
    detail: str | None = None


async def record_steps(db: AsyncSession | AsyncConnection, steps: Sequence[StatusStep]) -> None:
    """Keep steps in messages' status histories: the one writer of that history."""
    if not steps:
        return
    await db.execute(
        insert(MessageEvent),
        [
            {"message_id": s.message_id, "status": s.status, "detail": s.detail, "created_at": s.at}
            for s in steps
        ],
    )
    count_statuses(s.status for s in steps)


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
    count_messages((row["direction"], row["channel"]) for row in values)
    await record_steps(
        session,
        [StatusStep(mid, row["status"], now) for mid, row in zip(ids, values, strict=True)],
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
    if message_id is None:
        return None
    count_messages([(values["direction"], values["channel"])])
    return int(message_id)


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
    await record_steps(session, [StatusStep(message.id, status, when, detail)])


async def status_history(session: AsyncSession, message_ids: Sequence[int]) -> list[MessageEvent]:
    result = await session.execute(
        select(MessageEvent)
        .where(MessageEvent.message_id.in_(message_ids))
        .order_by(MessageEvent.id)
    )
    return list(result.scalars())
