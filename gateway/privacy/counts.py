"""Anonymous counts kept when retention removes data: per organisation, month, channel."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import RetentionCount

Bucket = tuple[str, str, str, int]  # month "YYYY-MM", channel, direction, count


def month_of(column: Any, dialect: str) -> ColumnElement[str]:
    """Return a SQL expression for the "YYYY-MM" month (UTC) of a datetime column."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    # SQLite keeps UTC datetimes as "YYYY-MM-DD HH:MM:SS…" text.
    return func.substr(column, 1, 7)


def month_label(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


async def add_counts(
    session: AsyncSession, *, organisation_id: int, kind: str, buckets: Iterable[Bucket]
) -> int:
    """Add counts to the anonymous statistics; return the total added."""
    rows = [
        {
            "organisation_id": organisation_id,
            "kind": kind,
            "month": month,
            "channel": channel or "",
            "direction": direction or "",
            "count": count,
            "updated_at": utcnow(),
        }
        for month, channel, direction, count in buckets
        if count
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table: Table = RetentionCount.__table__  # type: ignore[assignment]
    stmt = insert_fn(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["organisation_id", "kind", "month", "channel", "direction"],
        set_={"count": table.c.count + stmt.excluded.count, "updated_at": stmt.excluded.updated_at},
    )
    await session.execute(stmt, rows)
    return sum(count for _month, _channel, _direction, count in buckets)


async def counts_for(session: AsyncSession, *, organisation_id: int) -> list[RetentionCount]:
    result = await session.execute(
        select(RetentionCount)
        .where(RetentionCount.organisation_id == organisation_id)
        .order_by(
            RetentionCount.kind,
            RetentionCount.month,
            RetentionCount.channel,
            RetentionCount.direction,
        )
    )
    return list(result.scalars())
