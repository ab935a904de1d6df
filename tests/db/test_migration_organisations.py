"""Revision 0010 gives the rows made before it to the organisation that already existed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db.migrate import upgrade
from tests.db.test_migrate import SCHEMA, scratch_engines


async def test_existing_accounts_and_directory_edits_join_the_existing_organisation(
    database_url: str, tmp_path: Path
) -> None:
    (engine,) = scratch_engines(database_url, tmp_path, 1)
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    try:
        await upgrade(engine, "0009")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO organisations (slug, name, settings, created_at)"
                    " VALUES ('ami-nimes', 'AMI', '{}', CURRENT_TIMESTAMP)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO staff_members (name, role, active, failed_logins, created_at)"
                    " VALUES ('Claire', 'staff', true, 0, CURRENT_TIMESTAMP)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO directory_overrides (entry_id, fields, removed, updated_at)"
                    " VALUES ('cimade-nimes', '{}', false, CURRENT_TIMESTAMP)"
                )
            )
        await upgrade(engine)
        async with engine.connect() as conn:
            owner = (await conn.execute(text("SELECT id FROM organisations"))).scalar_one()
            staff = await conn.execute(text("SELECT organisation_id FROM staff_members"))
            assert staff.scalar_one() == owner
            edits = await conn.execute(text("SELECT organisation_id FROM directory_overrides"))
            assert edits.scalar_one() == owner
        # From now on an account without organisation is refused, but for the operator.
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO staff_members (name, role, active, failed_logins, created_at)"
                        " VALUES ('Sans', 'staff', true, 0, CURRENT_TIMESTAMP)"
                    )
                )
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO staff_members (name, role, active, failed_logins, created_at)"
                    " VALUES ('Hôte', 'operator', true, 0, CURRENT_TIMESTAMP)"
                )
            )
    finally:
        if postgres:
            async with engine.begin() as conn:
                await conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        await engine.dispose()
