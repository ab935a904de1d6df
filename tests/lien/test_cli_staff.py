"""`lien staff create` and the demo logins printed by `lien serve --demo`."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from db.base import utcnow
from db.models import StaffMember
from db.session import SessionMaker, create_engine, create_sessionmaker
from lien.cli import app
from lien.console.signin import Attempt, find_by_email, sign_in
from lien.console.throttle import SignInThrottle
from lien.demo import DEMO_LOGINS, load_demo, load_demo_logins


@pytest.fixture
def cli_env(engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LIEN_DATABASE_URL", database_url)
    monkeypatch.setattr("lien.logs.configure_logging", lambda level="INFO", **_: None)
    return database_url


async def _role_of(sessionmaker: SessionMaker, email: str, password: str) -> str:
    attempt = Attempt(email, password, "127.0.0.1")
    signed = await sign_in(sessionmaker, SignInThrottle(), attempt, now=utcnow())
    async with sessionmaker() as session:
        return (await session.get_one(StaffMember, signed.staff_id)).role


async def _role_after_sign_in(database_url: str, email: str, password: str) -> str:
    engine = create_engine(database_url)
    try:
        return await _role_of(create_sessionmaker(engine), email, password)
    finally:
        await engine.dispose()


def test_staff_create_makes_a_console_account(cli_env: str) -> None:
    runner = CliRunner()
    args = ["staff", "create", "--email", "Admin@Example.org", "--name", "Camille"]
    created = runner.invoke(app, [*args, "--role", "admin", "--password", "un mot de passe sûr"])
    assert created.exit_code == 0, created.output
    assert "admin@example.org" in created.output
    role = asyncio.run(_role_after_sign_in(cli_env, "admin@example.org", "un mot de passe sûr"))
    assert role == "admin"
    again = runner.invoke(app, [*args, "--password", "un mot de passe sûr"])
    assert again.exit_code == 2 and "Un compte existe déjà" in again.output


def test_staff_create_refuses_bad_input_and_prompts_for_the_password(cli_env: str) -> None:
    runner = CliRunner()
    base = ["staff", "create", "--email", "karim@example.org", "--name", "Karim"]
    bad_role = runner.invoke(app, [*base, "--role", "chef", "--password", "x" * 12])
    assert bad_role.exit_code == 2 and "Rôle inconnu" in bad_role.output
    short = runner.invoke(app, [*base, "--password", "court"])
    assert short.exit_code == 2 and "Au moins 12 caractères" in short.output
    prompted = runner.invoke(app, [*base, "--role", "volunteer"], input="bien long secret\n" * 2)
    assert prompted.exit_code == 0, prompted.output
    assert "bien long secret" not in prompted.output
    role = asyncio.run(_role_after_sign_in(cli_env, "karim@example.org", "bien long secret"))
    assert role == "volunteer"


async def test_demo_logins_exist_for_each_role_and_are_reset_on_each_start(
    sessionmaker: SessionMaker,
) -> None:
    async with sessionmaker() as session, session.begin():
        await load_demo(session)
        first = await load_demo_logins(session)
    assert [login.role for login in first] == ["admin", "staff", "volunteer"]
    async with sessionmaker() as session, session.begin():
        volunteer = await find_by_email(session, first[2].email)
        assert volunteer is not None
        volunteer.role, volunteer.active = "admin", False
        volunteer.locked_until = utcnow() + timedelta(hours=1)
    async with sessionmaker() as session, session.begin():
        second = await load_demo_logins(session)  # the next start puts things back
    assert second == first
    for role, email, _name, password in DEMO_LOGINS:
        assert await _role_of(sessionmaker, email, password) == role
