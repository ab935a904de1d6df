"""`lien inbox check`: what the inbound queue still holds, and putting failures back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select, update
from typer.testing import CliRunner

from db.base import utcnow
from db.migrate import upgrade
from db.models import InboundArrival
from db.session import create_engine, create_sessionmaker, transaction
from gateway.arrivals import FAILED, PENDING, store_arrival
from gateway.channels.base import InboundMessage
from lien.cli import app

runner = CliRunner()


async def prepare(url: str, *, failed: bool) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    async with transaction(create_sessionmaker(engine)) as session:
        message = InboundMessage("sms", "+33612345678", "Bonjour", "SM1")
        await store_arrival(session, message, now=utcnow())
        if failed:
            await session.execute(
                update(InboundArrival).values(
                    status=FAILED, attempts=8, error="RuntimeError: base indisponible"
                )
            )
    await engine.dispose()


async def statuses(url: str) -> list[str]:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        found = (await session.scalars(select(InboundArrival.status))).all()
    await engine.dispose()
    return list(found)


def test_a_fresh_arrival_is_not_late(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    asyncio.run(prepare(url, failed=False))
    result = runner.invoke(
        app, ["inbox", "check"], env={"LIEN_DATABASE_URL": url, "COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "en attente : 1" in result.output
    assert "Aucun message reçu en retard" in result.output


def test_a_given_up_arrival_is_shown_without_its_text_and_can_be_put_back(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'failed.db'}"
    asyncio.run(prepare(url, failed=True))
    result = runner.invoke(
        app, ["inbox", "check"], env={"LIEN_DATABASE_URL": url, "COLUMNS": "200"}
    )
    assert result.exit_code == 1, result.output
    assert "abandonné" in result.output and "base indisponible" in result.output
    assert "Bonjour" not in result.output and "612345678" not in result.output
    again = runner.invoke(app, ["inbox", "check", "--retry"], env={"LIEN_DATABASE_URL": url})
    assert "Remis en file : 1" in again.output
    assert asyncio.run(statuses(url)) == [PENDING]
