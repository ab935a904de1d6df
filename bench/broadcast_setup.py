"""A scratch database and a user file of any size, for the broadcast benchmarks.

On PostgreSQL everything happens in a schema of its own, dropped at the end, so that a
benchmark never touches the tables of the database it is pointed at.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.migrate import upgrade
from db.models import Beneficiary, BeneficiaryTag, ContactPoint
from db.session import create_engine, create_sessionmaker, transaction
from gateway.records import ensure_organisation

INSERT_CHUNK = 10_000
LANGUAGES = ("fr",) * 14 + ("ar",) * 3 + ("en", "ti")


@dataclass(frozen=True)
class Scratch:
    """Where a benchmark works: the URL and, on PostgreSQL, the schema."""

    url: str
    schema: str | None

    def engine(self) -> AsyncEngine:
        if self.schema is None:
            return create_engine(self.url)
        return create_engine(
            self.url, connect_args={"server_settings": {"search_path": self.schema}}
        )


@asynccontextmanager
async def scratch_database(url: str | None, *, name: str) -> AsyncIterator[Scratch]:
    """Yield a migrated empty database: a temporary SQLite file, or a fresh PostgreSQL schema."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="lien-bench-") as folder:
            place = Scratch(url or f"sqlite+aiosqlite:///{Path(folder) / name}.db", None)
            await _migrate(place)
            yield place
        return
    schema = f"bench_{name}"
    await _schema(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    place = Scratch(url, schema)
    try:
        await _migrate(place)
        yield place
    finally:
        await _schema(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def _schema(url: str, statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements.split(";"):
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _migrate(place: Scratch) -> None:
    engine = place.engine()
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class UserFile:
    organisation_id: int
    site_id: int
    people: int


async def populate(
    place: Scratch,
    *,
    people: int,
    telegram_every: int = 3,
    tagged_every: int = 5,
    stopped_every: int = 50,
) -> UserFile:
    """Write `people` beneficiaries with an SMS number, some Telegram chats, tags and STOPs."""
    engine = place.engine()
    try:
        sessionmaker = create_sessionmaker(engine)
        async with transaction(sessionmaker) as session:
            site = await ensure_organisation(
                session, slug="bench", name="Bench", site_slug="bench", site_name="Bench"
            )
        now = utcnow()
        for start in range(1, people + 1, INSERT_CHUNK):
            ids = range(start, min(start + INSERT_CHUNK, people + 1))
            async with transaction(sessionmaker) as session:
                await session.execute(
                    insert(Beneficiary),
                    [_person(i, site.organisation_id, site.id, now) for i in ids],
                )
                contacts = [_sms(i, now, stopped=i % stopped_every == 0) for i in ids]
                contacts += [_telegram(i, now) for i in ids if i % telegram_every == 0]
                await session.execute(insert(ContactPoint), contacts)
                tags = [{"beneficiary_id": i, "tag": "isolé"} for i in ids if i % tagged_every == 0]
                if tags:
                    await session.execute(insert(BeneficiaryTag), tags)
        # Fresh tables have no statistics yet; the planner needs them, as autovacuum would give.
        async with engine.connect() as connection:
            for table in ("beneficiaries", "contact_points", "beneficiary_tags"):
                await connection.execute(text(f"ANALYZE {table}"))
            await connection.commit()
        return UserFile(site.organisation_id, site.id, people)
    finally:
        await engine.dispose()


def _person(i: int, organisation_id: int, site_id: int, now: Any) -> dict[str, Any]:
    return {
        "id": i,
        "organisation_id": organisation_id,
        "site_id": site_id,
        "first_name": f"Prénom{i % 997}",
        "last_name": None,
        "language": LANGUAGES[i % len(LANGUAGES)],
        "preferred_channel": None,
        "fields": {},
        "last_contact_at": None,
        "created_at": now,
        "updated_at": now,
    }


def _sms(i: int, now: Any, *, stopped: bool) -> dict[str, Any]:
    return {
        "beneficiary_id": i,
        "channel": "sms",
        "address": f"+336{i:08d}",
        "opted_out": stopped,
        "opted_out_at": now if stopped else None,
        "created_at": now,
    }


def _telegram(i: int, now: Any) -> dict[str, Any]:
    return {
        "beneficiary_id": i,
        "channel": "telegram",
        "address": str(10_000_000 + i),
        "opted_out": False,
        "opted_out_at": None,
        "created_at": now,
    }
