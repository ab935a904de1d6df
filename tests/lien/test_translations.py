"""`lien flows translations`: every text people read, per language, with its status (CSV, PO)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from lien.cli import app


@pytest.fixture(autouse=True)
def cli_env(engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LIEN_DATABASE_URL", database_url)
    monkeypatch.setattr("lien.logs.configure_logging", lambda level="INFO", **_: None)
    return database_url


def test_tigrinya_exports_as_po_every_text_drafted_for_review(tmp_path: Path) -> None:
    target = tmp_path / "ti.po"
    result = CliRunner().invoke(
        app,
        ["flows", "translations", "--language", "ti", "--format", "po", "--output", str(target)],
    )
    assert result.exit_code == 0, result.output
    with target.open("rb") as handle:
        catalog = read_po(handle)
    messages = [message for message in catalog if message.id]
    assert len(messages) > 90
    assert all(message.string and message.fuzzy for message in messages)
    contexts = {str(message.context).split(" | ")[0] for message in messages}
    assert contexts == {
        "flux accueil",
        "annuaire",
        "rappels",
        "mots-clés",
        "diffusions",
        "urgences",
    }
    need = next(m for m in messages if m.context == 'flux accueil | node "need": text')
    assert (need.id, need.string) == (
        "Merci {first_name}. De quoi avez-vous besoin ?",
        "የቐንየለይ {first_name}። እንታይ ሓገዝ የድልየኩም?",
    )
    assert f"ti : {len(messages)} textes — 0 manquant, {len(messages)} à relire, 0 relu" in (
        result.output
    )


def test_dari_exports_as_csv_with_what_is_missing() -> None:
    result = CliRunner().invoke(app, ["flows", "translations", "--language", "fa"])
    assert result.exit_code == 0, result.output
    body = result.output.split("\nfa : ")[0]
    rows = list(csv.DictReader(io.StringIO(body)))
    reminder = next(
        row for row in rows if (row["catalogue"], row["clé"]) == ("rappels", "reminder")
    )
    assert reminder == {
        "catalogue": "rappels",
        "clé": "reminder",
        "fr": "Rappel : {title}, {when}. Lieu : {place}.",
        "fa": "",
        "statut": "manquant",
        "relu par": "",
    }
    need = next(row for row in rows if row["clé"] == 'node "need": text')
    assert need["statut"] == "relu" and need["fa"].startswith("ممنون")


def test_an_unknown_language_or_format_is_refused() -> None:
    unknown = CliRunner().invoke(app, ["flows", "translations", "--language", "xx"])
    assert unknown.exit_code == 2 and "Langue inconnue : xx" in unknown.output
    bad = CliRunner().invoke(app, ["flows", "translations", "--language", "ti", "--format", "doc"])
    assert bad.exit_code == 2 and "Format inconnu : doc" in bad.output
