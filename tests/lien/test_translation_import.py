"""`lien flows translations import`: an association's texts, taken or refused line by line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from lien.cli import app

NEED = 'node "need": text'
NEED_TI = "ሰላም {first_name}። እንታይ ትደልዩ?"


@pytest.fixture(autouse=True)
def cli_env(engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LIEN_DATABASE_URL", database_url)
    monkeypatch.setattr("lien.logs.configure_logging", lambda level="INFO", **_: None)
    return database_url


def _csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["catalogue", "clé", "fr", "ti", "statut", "relu par"])
    writer.writerows(rows)
    path = tmp_path / "ti.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _exported(language: str) -> dict[str, dict[str, str]]:
    result = CliRunner().invoke(app, ["flows", "translations", "--language", language])
    assert result.exit_code == 0, result.output
    body = result.output.split(f"\n{language} : ")[0]
    return {row["clé"]: row for row in csv.DictReader(io.StringIO(body))}


def test_a_csv_is_taken_or_refused_line_by_line(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        [
            ["flux accueil", NEED, "", NEED_TI, "", ""],
            ["flux accueil", 'node "nowhere": text', "", "ሰላም", "", ""],
            ["rappels", "reminder", "", "ዘኪር {title}", "", ""],
        ],
    )

    result = CliRunner().invoke(
        app, ["flows", "translations", "import", str(path), "--language", "ti"]
    )

    assert result.exit_code == 1, result.output
    assert f"ligne 2 : {NEED} — pris" in result.output
    assert 'ligne 3 : node "nowhere": text — refusé (clé inconnue)' in result.output
    assert "ligne 4 : reminder — refusé (champ manquant : {place}, {when})" in result.output
    assert "ti : 1 textes pris, 2 refusés" in result.output
    need = _exported("ti")[NEED]
    assert (need["ti"], need["statut"], need["relu par"]) == (NEED_TI, "à relire", "")


def test_a_reviewed_po_file_is_marked_reviewed_by_its_reader(tmp_path: Path) -> None:
    catalog = Catalog(locale="ps")
    catalog.add(
        "Merci {first_name}. De quoi avez-vous besoin ?",
        "مننه {first_name}. څه غواړئ؟",
        context=f"flux accueil | {NEED}",
    )
    path = tmp_path / "ps.po"
    with path.open("wb") as handle:
        write_po(handle, catalog)

    result = CliRunner().invoke(
        app,
        ["flows", "translations", "import", str(path), "--language", "ps", "--reviewer", "Zarmina"],
    )

    assert result.exit_code == 0, result.output
    assert "ps : 1 textes pris, 0 refusés" in result.output
    need = _exported("ps")[NEED]
    assert (need["ps"], need["statut"], need["relu par"]) == (
        "مننه {first_name}. څه غواړئ؟",
        "relu",
        "Zarmina",
    )
