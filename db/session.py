"""Engines and sessions: one code path for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.sql.schema import Table

SessionMaker = async_sessionmaker[AsyncSession]


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an engine; on SQLite every transaction takes the write lock at BEGIN."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_driver_name() == "asyncpg":
            # Each process runs a few hundred distinct statements; asyncpg's default cache of
            # 100 prepared statements had them prepared again and again.
            args = {"prepared_statement_cache_size": 1000} | kwargs.pop("connect_args", {})
            kwargs["connect_args"] = args
        return _create_async_engine(url, pool_pre_ping=True, **kwargs)
    engine = _create_async_engine(url, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    # BEGIN IMMEDIATE makes SQLite's single writer lock the equivalent of PostgreSQL's
    # FOR UPDATE SKIP LOCKED for the outbox claim: a second claimer waits instead of
    # reading rows another transaction is about to take.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The wait first: switching a new file to WAL needs the lock other starting processes hold.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten, so an erased person does not linger in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine, *, info: dict[str, Any] | None = None) -> SessionMaker:
    """Make sessions for an engine; `info` is copied into each session's `Session.info`."""
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


@asynccontextmanager
async def transaction(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    """Open a session in a transaction that commits on success and rolls back on error."""
    async with sessionmaker() as session, session.begin():
        yield session


async def insert_ignore(session: AsyncSession, table: Table, values: dict[str, Any]) -> bool:
    """Insert a row unless a unique constraint already holds it; say whether it went in."""
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def insert_ignore_many(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], *, key: tuple[str, ...]
) -> list[bool]:
    """Insert rows in one statement, skipping those a unique constraint already holds.

    `key` names the unique columns; say, for each row in order, whether it went in. A row
    repeating an earlier row of the same call is skipped too.
    """
    first: dict[tuple[Any, ...], int] = {}
    for n, row in enumerate(rows):
        first.setdefault(tuple(row[c] for c in key), n)
    unique = [rows[n] for n in sorted(first.values())]
    if not unique:
        return []
    dialect = session.get_bind().dialect.name
    builder: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        builder(table).values(unique).on_conflict_do_nothing().returning(*(table.c[c] for c in key))
    )
    went_in = {tuple(r) for r in (await session.execute(stmt)).all()}
    return [
        first[k] == n and k in went_in
        for n, k in enumerate(tuple(row[c] for c in key) for row in rows)
    ]
