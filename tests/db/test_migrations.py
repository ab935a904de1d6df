"""Migrations say the truth about their order, and the models are what they build."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import db.models  # noqa: F401  (registers every table)
from db.base import Base
from db.migrate import MIGRATIONS, alembic_config

VERSIONS = MIGRATIONS / "versions"


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def test_one_head_and_one_line_from_the_first_migration() -> None:
    directory = scripts()
    assert len(directory.get_heads()) == 1
    chain = list(directory.walk_revisions())  # head first
    assert [r.revision for r in reversed(chain)] == [f"{n:04d}" for n in range(1, len(chain) + 1)]
    for newer, older in itertools.pairwise(chain):
        assert newer.down_revision == older.revision
    assert chain[-1].down_revision is None


def test_file_names_and_headers_match_the_revisions() -> None:
    for revision in scripts().walk_revisions():
        path = Path(revision.path)
        assert path.name.startswith(f"{revision.revision}_"), path.name
        text = path.read_text("utf-8")
        assert re.search(rf"^Revision ID: {revision.revision}$", text, re.M), path.name
        revises = revision.down_revision or ""
        assert re.search(rf"^Revises: ?{revises}$", text, re.M), path.name
        assert "please adjust" not in text, path.name


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_models_are_what_the_migrations_build(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
