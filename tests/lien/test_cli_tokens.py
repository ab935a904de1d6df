"""`lien token create|list|revoke`: expiry, last use, revocation, no merge into an account."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from db.base import utcnow
from db.session import create_engine, create_sessionmaker
from gateway.records import ensure_organisation
from lien.app import create_app
from lien.cli import app
from lien.console.accounts import create_staff_member
from tests.lien.conftest import PUBLIC_URL, make_settings

runner = CliRunner()


def _env(tmp_path: Path) -> dict[str, str]:
    return {"LIEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}


def _create(tmp_path: Path, *args: str) -> str:
    created = runner.invoke(app, ["token", "create", *args], env=_env(tmp_path))
    assert created.exit_code == 0, created.output
    return created.output.strip().splitlines()[-1]


async def _status(url: str, token: str) -> int:
    fastapi_app = create_app(make_settings(url), dispatch=False, schedule=False)
    async with fastapi_app.router.lifespan_context(fastapi_app):
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            headers = {"Authorization": f"Bearer {token}"}
            return (await client.get("/api/inbox", headers=headers)).status_code


def test_tokens_are_listed_with_last_use_then_revoked(tmp_path: Path) -> None:
    url = _env(tmp_path)["LIEN_DATABASE_URL"]
    token = _create(tmp_path, "--name", "Tableau de bord", "--role", "staff")
    listed = runner.invoke(app, ["token", "list"], env=_env(tmp_path))
    assert listed.exit_code == 0 and "Tableau de bord\tstaff" in listed.output
    assert token not in listed.output
    (line,) = [row for row in listed.output.splitlines() if "Tableau de bord" in row]
    assert line.split("\t")[4] == "—"  # never used yet
    assert asyncio.run(_status(url, token)) == 200
    used = runner.invoke(app, ["token", "list"], env=_env(tmp_path))
    (line,) = [row for row in used.output.splitlines() if "Tableau de bord" in row]
    assert line.split("\t")[4] != "—"
    token_id = line.split("\t")[0]
    revoked = runner.invoke(app, ["token", "revoke", token_id], env=_env(tmp_path))
    assert revoked.exit_code == 0 and "révoqué" in revoked.output
    assert asyncio.run(_status(url, token)) == 401
    unknown = runner.invoke(app, ["token", "revoke", "99999"], env=_env(tmp_path))
    assert unknown.exit_code == 2 and "introuvable" in unknown.output


def test_a_token_with_an_expiry_stops_working_after_it(tmp_path: Path) -> None:
    url = _env(tmp_path)["LIEN_DATABASE_URL"]
    now = utcnow()
    with time_machine.travel(now, tick=False):
        token = _create(
            tmp_path, "--name", "Export", "--role", "volunteer", "--expires-in-days", "7"
        )
        assert asyncio.run(_status(url, token)) == 200
    with time_machine.travel(now + timedelta(days=7, seconds=1), tick=False):
        assert asyncio.run(_status(url, token)) == 401


def test_a_token_never_joins_or_promotes_an_existing_account(tmp_path: Path) -> None:
    url = _env(tmp_path)["LIEN_DATABASE_URL"]
    assert runner.invoke(app, ["db", "upgrade"], env=_env(tmp_path)).exit_code == 0

    async def console_account() -> None:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session, session.begin():
            await create_staff_member(
                session,
                email="x@example.org",
                name="X",
                role="volunteer",
                password="une phrase assez longue",
                organisation_id=await _organisation(session),
            )
        await engine.dispose()

    asyncio.run(console_account())
    merged = runner.invoke(
        app, ["token", "create", "--name", "X", "--role", "admin"], env=_env(tmp_path)
    )
    assert merged.exit_code == 2 and "compte de la console" in merged.output
    _create(tmp_path, "--name", "Service", "--role", "staff")
    promoted = runner.invoke(
        app, ["token", "create", "--name", "Service", "--role", "admin"], env=_env(tmp_path)
    )
    assert promoted.exit_code == 2 and "a le rôle staff" in promoted.output
    _create(tmp_path, "--name", "Service", "--role", "staff")  # a second token, same role


async def _organisation(session: AsyncSession) -> int:
    site = await ensure_organisation(
        session, slug="default", name="Association", site_slug="accueil", site_name="Accueil"
    )
    return site.organisation_id
