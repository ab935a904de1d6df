"""`lien organisation`, `lien site` and `--organisation` on the account commands."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from db.models import Organisation, Site, StaffMember
from db.session import create_engine, create_sessionmaker
from lien.cli import app
from lien.sites import zone_of_postcode


@pytest.fixture
def cli_env(engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LIEN_DATABASE_URL", database_url)
    monkeypatch.setattr("lien.logs.configure_logging", lambda level="INFO", **_: None)
    return database_url


async def _sites(database_url: str) -> dict[tuple[str, str], Site]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(select(Organisation.slug, Site).join(Site))
            return {(org, site.slug): site for org, site in rows}
    finally:
        await engine.dispose()


async def _member_org(database_url: str, name: str) -> str | None:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await session.scalar(
                select(Organisation.slug).join(StaffMember).where(StaffMember.name == name)
            )
    finally:
        await engine.dispose()


def test_the_zone_comes_from_the_postcodes_academie() -> None:
    assert zone_of_postcode("11200") == "C"  # Aude, académie de Montpellier
    assert zone_of_postcode("73000") == "A"  # Savoie, académie de Grenoble
    assert zone_of_postcode("59000") == "B"  # Nord, académie de Lille
    assert zone_of_postcode("20000") is None  # Corse: a calendar of its own
    with pytest.raises(ValueError, match="code postal"):
        zone_of_postcode("112")


def test_organisations_and_sites_are_created_and_accounts_join_one(cli_env: str) -> None:
    runner = CliRunner()
    # One organisation: --organisation may be left out.
    alone = runner.invoke(app, ["token", "create", "--name", "Seule", "--role", "staff"])
    assert alone.exit_code == 0, alone.output
    made = runner.invoke(
        app, ["organisation", "create", "--slug", "ami-aude", "--name", "AMI Aude"]
    )
    assert made.exit_code == 0, made.output
    again = runner.invoke(app, ["organisation", "create", "--slug", "ami-aude", "--name", "X"])
    assert again.exit_code == 2 and "déjà" in again.output
    listed = runner.invoke(app, ["organisation", "list"])
    assert "ami-aude" in listed.output and "AMI Aude" in listed.output
    # Two now: an account must say which.
    vague = runner.invoke(app, ["token", "create", "--name", "Karim", "--role", "volunteer"])
    assert vague.exit_code == 2 and "--organisation" in vague.output
    token = runner.invoke(app, ["token", "create", "--name", "Karim", "--organisation", "ami-aude"])
    assert token.exit_code == 0, token.output
    assert asyncio.run(_member_org(cli_env, "Karim")) == "ami-aude"
    staff = runner.invoke(
        app,
        [
            "staff", "create", "--email", "j@aude.example.org", "--name", "Josiane",
            "--organisation", "ami-aude", "--password", "un mot de passe sûr",
        ],
    )  # fmt: skip
    assert staff.exit_code == 0, staff.output
    assert asyncio.run(_member_org(cli_env, "Josiane")) == "ami-aude"
    site = runner.invoke(
        app,
        [
            "site", "create", "--organisation", "ami-aude", "--slug", "lezignan",
            "--name", "Lézignan", "--postcode", "11200",
        ],
    )  # fmt: skip
    assert site.exit_code == 0 and "zone C" in site.output, site.output
    update = runner.invoke(
        app,
        [
            "site", "update", "--organisation", "ami-aude", "--slug", "lezignan",
            "--address", "1 rue de la Paix", "--opening-hours", "lundi 9h-12h",
            "--school-zone", "A",
        ],
    )  # fmt: skip
    assert update.exit_code == 0, update.output
    found = asyncio.run(_sites(cli_env))[("ami-aude", "lezignan")]
    assert found.school_zone == "A"
    assert found.info["postcode"] == "11200" and found.info["opening_hours"] == "lundi 9h-12h"
    missing = runner.invoke(
        app, ["site", "update", "--organisation", "ami-aude", "--slug", "ailleurs"]
    )
    assert missing.exit_code == 2 and "site inconnu" in missing.output
    bad_zone = runner.invoke(
        app,
        [
            "site",
            "update",
            "--organisation",
            "ami-aude",
            "--slug",
            "lezignan",
            "--school-zone",
            "D",
        ],
    )
    assert bad_zone.exit_code == 2
