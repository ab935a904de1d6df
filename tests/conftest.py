"""Shared fixtures: a real database (SQLite by default, PostgreSQL with LIEN_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.base import Base
from db.migrate import upgrade
from db.session import SessionMaker, create_engine, create_sessionmaker
from gateway.privacy.digest import session_info

pytest_plugins = ["tests.factories", "tests.providers"]
# The application secret of every test app: sessions opened by tests hash erased addresses
# with the same key as the app they talk to.
TEST_SECRET = "test-secret-key-for-erased-addresses"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("LIEN_TEST_DATABASE_URL")
    if configured:
        return configured
    path: Path = tmp_path_factory.mktemp("db") / "lien-test.db"
    return f"sqlite+aiosqlite:///{path}"


async def _reset_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await _reset_schema(engine)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return create_sessionmaker(engine, info=session_info(TEST_SECRET))


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "engine" not in request.fixturenames:
        return
    engine: AsyncEngine = request.getfixturevalue("engine")
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(delete(table))


@pytest.fixture
async def session(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    """A session in a transaction the test commits itself when other parts must see it."""
    async with sessionmaker() as session:
        yield session
