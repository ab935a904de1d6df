"""`lien privacy`: purge (dry run and real), export, erasure and key rotation from the terminal."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from cryptography.fernet import Fernet
from dateutil.relativedelta import relativedelta
from sqlalchemy import text, update
from typer.testing import CliRunner

from db.base import utcnow
from db.migrate import upgrade
from db.models import Message
from db.session import create_engine, create_sessionmaker
from gateway.privacy.digest import session_info
from lien.cli import app
from tests.personal_data import History, scan, seed_history

runner = CliRunner()
SECRET = "cli-test-secret"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "LIEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "LIEN_SECRET_KEY": SECRET,
        **extra,
    }


def run(tmp_path: Path, *args: str, input: str | None = None, **extra: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env_for(tmp_path, **extra), input=input)
    return result.exit_code, result.output


async def _seed(url: str) -> History:
    engine = create_engine(url)
    await upgrade(engine)
    try:
        sessions = create_sessionmaker(engine, info=session_info(SECRET))
        async with sessions() as session, session.begin():
            history = await seed_history(session)
            await session.execute(
                update(Message)
                .where(Message.id == history.sms_out_id)
                .values(created_at=utcnow() - relativedelta(months=13))
            )
        return history
    finally:
        await engine.dispose()


async def _query(url: str, statement: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(statement))).scalars())
    finally:
        await engine.dispose()


async def _scan(url: str) -> set[tuple[str, str]]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await scan(session)
    finally:
        await engine.dispose()


def seed(tmp_path: Path) -> History:
    return asyncio.run(_seed(env_for(tmp_path)["LIEN_DATABASE_URL"]))


def body_of(tmp_path: Path, message_id: int) -> object:
    url = env_for(tmp_path)["LIEN_DATABASE_URL"]
    (body,) = asyncio.run(_query(url, f"SELECT body FROM messages WHERE id = {message_id}"))  # noqa: S608
    return body


def test_purge_dry_run_shows_what_would_go_and_the_real_run_removes_it(tmp_path: Path) -> None:
    history = seed(tmp_path)
    code, output = run(tmp_path, "privacy", "purge", "--dry-run")
    assert code == 0, output
    assert "Purge simulée" in output and "message_bodies" in output
    assert body_of(tmp_path, history.sms_out_id) is not None
    code, output = run(tmp_path, "privacy", "purge")
    assert code == 0, output
    assert "Purge effectuée" in output
    assert body_of(tmp_path, history.sms_out_id) is None


def test_export_writes_json_and_a_french_document(tmp_path: Path) -> None:
    history = seed(tmp_path)
    target = tmp_path / "export.json"
    code, output = run(
        tmp_path, "privacy", "export", str(history.person_id), "--output", str(target)
    )
    assert code == 0, output
    export = json.loads(target.read_text(encoding="utf-8"))
    assert {s["name"] for s in export["sections"]} >= {"identity", "messages", "consent"}
    page = tmp_path / "export.html"
    code, _ = run(
        tmp_path,
        "privacy",
        "export",
        str(history.person_id),
        "--format",
        "html",
        "--output",
        str(page),
    )
    assert code == 0 and "Relevé des données personnelles" in page.read_text(encoding="utf-8")
    code, output = run(tmp_path, "privacy", "export", "999")
    assert code == 2 and "introuvable" in output


def test_erase_asks_first_then_leaves_nothing_of_the_person(tmp_path: Path) -> None:
    history = seed(tmp_path)
    url = env_for(tmp_path)["LIEN_DATABASE_URL"]
    code, _ = run(tmp_path, "privacy", "erase", str(history.person_id), input="n\n")
    assert code == 1
    assert asyncio.run(_scan(url)) != set()
    code, output = run(tmp_path, "privacy", "erase", str(history.person_id), "--yes")
    assert code == 0, output
    assert "effacée" in output
    assert asyncio.run(_scan(url)) == set()
    actions = asyncio.run(_query(url, "SELECT action FROM audit_events"))
    assert "erase" in actions


def test_rotate_key_needs_a_key_and_encrypts_every_body_with_the_first(tmp_path: Path) -> None:
    history = seed(tmp_path)
    code, output = run(tmp_path, "privacy", "rotate-key")
    assert code == 2 and "LIEN_MESSAGE_KEY" in output
    key = Fernet.generate_key().decode()
    code, output = run(tmp_path, "privacy", "rotate-key", LIEN_MESSAGE_KEY=key)
    assert code == 0, output
    stored = body_of(tmp_path, history.sms_out_id)
    assert isinstance(stored, str) and stored.startswith("lien-fernet:")
    code, output = run(tmp_path, "privacy", "rotate-key", LIEN_MESSAGE_KEY=key)
    assert "rechiffrés avec la nouvelle clé : 0" in output
