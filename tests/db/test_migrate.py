"""Processes that start together migrate in turn, not over each other."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import alembic_config, current_revision, upgrade
from db.session import create_engine

SCHEMA = "lien_migrate_test"


def scratch_engines(database_url: str, tmp_path: Path, count: int) -> list[AsyncEngine]:
    if database_url.startswith("postgresql"):
        settings = {"server_settings": {"search_path": SCHEMA}}
        return [create_engine(database_url, connect_args=settings) for _ in range(count)]
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
    return [create_engine(url) for _ in range(count)]


async def test_several_processes_upgrading_at_once_all_start(
    database_url: str, tmp_path: Path
) -> None:
    engines = scratch_engines(database_url, tmp_path, 3)
    postgres = engines[0].dialect.name == "postgresql"
    if postgres:
        async with engines[0].begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    try:
        await asyncio.gather(*(upgrade(engine) for engine in engines))
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert [await current_revision(e) for e in engines] == [head] * 3
    finally:
        if postgres:
            async with engines[0].begin() as conn:
                await conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        for engine in engines:
            await engine.dispose()
