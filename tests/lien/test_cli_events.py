import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from db.base import utcnow
from db.models import Enrollment, Message
from db.session import create_engine, create_sessionmaker
from lien.cli import app
from tests.factories import create_person, create_site


async def _prepare(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            site = await create_site(session)
            people = [
                await create_person(session, site=site, first_name=f"P{i}", phone=f"+3361200000{i}")
                for i in range(3)
            ]
            return [p.id for p in people]
    finally:
        await engine.dispose()


async def _count(url: str, stmt: object) -> int:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return int(await session.scalar(stmt) or 0)  # type: ignore[call-overload]
    finally:
        await engine.dispose()


def next_tuesday() -> date:
    day = (utcnow() + timedelta(days=10)).date()
    return day + timedelta(days=(1 - day.weekday()) % 7)


def test_the_cli_creates_enrols_from_a_file_cancels_and_marks_mail(
    engine: AsyncEngine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIEN_DATABASE_URL", database_url)
    ids = asyncio.run(_prepare(database_url))
    runner = CliRunner()
    tuesday = next_tuesday()
    created = runner.invoke(
        app,
        [
            "events", "create", "--site", "nimes-accueil", "--title", "Atelier couture",
            "--start", f"{tuesday} 14:30", "--end", f"{tuesday} 16:30",
            "--weekly", "mardi", "--count", "4", "--capacity", "2",
        ],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    event_id = created.output.strip().rsplit(" ", 1)[-1]
    families = tmp_path / "familles.csv"
    families.write_text("Téléphone;Nom\n06 12 00 00 00;A\n06 12 00 00 01;B\n0612000002;C\n")
    enrolled = runner.invoke(app, ["events", "enroll", event_id, "--file", str(families)])
    assert enrolled.exit_code == 0, enrolled.output
    assert "enrolled : 2, waitlisted : 1" in enrolled.output
    sessions = runner.invoke(app, ["events", "sessions", event_id])
    assert sessions.output.count(" 14:30\tscheduled") == 4
    cancelled = runner.invoke(app, ["events", "cancel", event_id, "--date", f"{tuesday} 14:30"])
    assert "personnes prévenues : 2" in cancelled.output
    again = runner.invoke(app, ["events", "cancel", event_id, "--date", f"{tuesday} 14:30"])
    assert again.exit_code == 2 and "déjà annulée" in again.output
    first = runner.invoke(app, ["mail", "arrived", "--beneficiary", str(ids[0])])
    second = runner.invoke(app, ["mail", "arrived", "--beneficiary", str(ids[0])])
    assert "prévenue" in first.output and "pas de nouveau message" in second.output
    unknown = runner.invoke(app, ["mail", "arrived", "--beneficiary", "999999"])
    assert unknown.exit_code == 2 and "introuvable" in unknown.output
    waiting = select(func.count()).where(Enrollment.status == "waitlisted")
    assert asyncio.run(_count(database_url, waiting)) == 1
    mails = select(func.count()).where(Message.origin_kind == "mail")
    assert asyncio.run(_count(database_url, mails)) == 1


def test_mail_arrived_stores_the_text_sealed_when_a_key_is_set(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    from db.encryption import CIPHER

    monkeypatch.setenv("LIEN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIEN_MESSAGE_KEY", Fernet.generate_key().decode())
    ids = asyncio.run(_prepare(database_url))
    done = CliRunner().invoke(app, ["mail", "arrived", "--beneficiary", str(ids[0])])
    assert done.exit_code == 0 and "prévenue" in done.output
    # Read raw, past the column type: what the disk holds.
    raw = text("SELECT body FROM messages WHERE origin_kind = 'mail'")
    (body,) = asyncio.run(_bodies(database_url, raw))
    assert body.startswith(CIPHER) and "courrier" not in body.lower()


async def _bodies(url: str, stmt: Any) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return [row[0] for row in await connection.execute(stmt)]
    finally:
        await engine.dispose()
