from __future__ import annotations

import logging
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from db.migrate import alembic_config
from lien.cli import app
from lien.logs import StructuredFormatter, mask_phones

runner = CliRunner()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def env_for(tmp_path: Path) -> dict[str, str]:
    return {"LIEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}


def test_help_is_in_plain_french() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "worker", "db", "token", "chat", "telegram", "privacy"):
        assert command in result.output
    assert "passerelle" in result.output


def test_db_upgrade_then_token_create_prints_the_token_last(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert f"Base à jour (révision {head})" in upgraded.output
    created = runner.invoke(
        app, ["token", "create", "--name", "Claire", "--role", "admin"], env=env
    )
    assert created.exit_code == 0, created.output
    assert created.output.strip().splitlines()[-1].startswith("lien_")


def test_a_wrong_role_is_refused_clearly(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["token", "create", "--name", "X", "--role", "boss"], env=env_for(tmp_path)
    )
    assert result.exit_code == 2
    assert "rôle inconnu" in result.output


def test_chat_answers_from_the_terminal(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["chat", "--from", "+33612345678"], input="STOP\n", env=env_for(tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert "Vous ne recevrez plus de messages" in result.output


def test_telegram_set_webhook_explains_what_is_missing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["telegram", "set-webhook"], env=env_for(tmp_path))
    assert result.exit_code == 2
    assert "LIEN_TELEGRAM_BOT_TOKEN" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from +33612345678 ok", "from ***78 ok"),
        ("tel 06 12 34 56 78", "tel ***78"),
        ("update 1234 done", "update 1234 done"),
        ("from whatsapp:+33612345678", "from whatsapp:***78"),
        ("+33 6 12 34 56 78 and 0612345678", "***78 and ***78"),
        ("listening on http://127.0.0.1:8000", "listening on http://127.0.0.1:8000"),
        ("at 2026-12-02T05:20:48+00:00", "at 2026-12-02T05:20:48+00:00"),
        ("host 192.168.100.200 id 123456789012", "host 192.168.100.200 id 123456789012"),
    ],
)
def test_phone_numbers_are_masked(text: str, expected: str) -> None:
    assert mask_phones(text) == expected


def test_structured_logs_mask_phones_in_messages_and_fields() -> None:
    record = logging.LogRecord(
        "lien", logging.INFO, __file__, 1, "sent to %s", ("+33612345678",), None
    )
    record.address = "+33698765432"
    line = StructuredFormatter().format(record)
    assert "612345678" not in line and "698765432" not in line
    assert '"event": "sent to ***78"' in line
