from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from lien.cli import app
from tests.broadcast.fixtures.usagers import HERE
from tests.broadcast.test_importing import MESSY


@pytest.fixture
def lien(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> CliRunner:
    monkeypatch.setenv("LIEN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIEN_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)  # no .env file from the working tree
    return CliRunner()


def run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_import_the_user_file_then_dry_run_again(lien: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "usagers.csv"
    file.write_bytes(MESSY)
    dry = run(lien, "import", "beneficiaries", str(file), "--dry-run", "--org", "default")
    assert "Essai à blanc" in dry and "3 créée(s)" in dry
    assert "numéro de téléphone invalide : « 12 34 »" in dry
    assert "aucun moyen de contact" in dry
    assert "Ligne 3 : doublons fusionnés (lignes 5)." in dry
    real = run(lien, "import", "beneficiaries", str(file), "--org", "default")
    assert "3 créée(s)" in real and "Sites créés : Nîmes centre, Lézignan" in real
    again = run(lien, "import", "beneficiaries", str(file), "--org", "default")
    assert "0 créée(s), 0 complétée(s), 3 inchangée(s)" in again
    missing = run(lien, "import", "beneficiaries", str(file), "--org", "nulle-part", code=2)
    assert "organisation inconnue" in missing


def test_audience_preview_send_status_cancel_export(lien: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "usagers.csv"
    file.write_bytes(MESSY)
    run(lien, "import", "beneficiaries", str(file), "--org", "default")
    found = run(lien, "broadcast", "audience", "--org", "default", "--tag", "Isolé")
    assert "1 personne(s) dans ce public." in found and "DUPONT" in found
    text = "fr:Bonjour {prénom}, ça va ? Le centre ferme à midi."
    shown = run(lien, "broadcast", "preview", "--org", "default", "--text", text)
    assert "UCS-2" in shown and "Bonjour Ahmad, ça va ?" in shown
    assert "Bonjour {prénom}, ca va ? Le centre ferme à midi." in shown  # offered, not applied
    cheaper = run(lien, "broadcast", "preview", "--org", "default", "--text", text, "--gsm")
    assert "GSM-7" in cheaper and "Bonjour Ahmad, ca va ?" in cheaper
    refused = run(lien, "broadcast", "preview", "--org", "default", "--text", "ar:مرحبا", code=2)
    assert "français" in refused
    sent = run(
        lien, "broadcast", "send", "--org", "default", "--title", "Fermeture",
        "--text", text, "--urgent", "--yes",
    )  # fmt: skip
    found_id = re.search(r"Diffusion n° (\d+) « Fermeture » : scheduled \(urgente\)", sent)
    assert found_id is not None, sent
    broadcast_id = found_id.group(1)
    assert "scheduled" in run(lien, "broadcast", "status", broadcast_id)
    assert "cancelled" in run(lien, "broadcast", "cancel", broadcast_id)
    run(lien, "broadcast", "export", broadcast_id, "--output", str(tmp_path / "suivi.csv"))
    exported = (tmp_path / "suivi.csv").read_text(encoding="utf-8-sig")
    assert exported.startswith("bénéficiaire;prénom;nom;")
    assert "jamais" in run(lien, "broadcast", "approval", "--org", "default")
    assert "au-delà de 10" in run(
        lien, "broadcast", "approval", "--org", "default", "--above", "10"
    )


def test_the_import_report_names_ignored_columns_sheets_and_tags(
    lien: CliRunner, tmp_path: Path
) -> None:
    file = tmp_path / "usagers.xlsx"
    file.write_bytes((HERE / "usagers.xlsx").read_bytes())
    proposed = run(lien, "import", "columns", str(file))
    assert "Feuille « Bénévoles » : non lue" in proposed and "Situation" in proposed
    ignored = run(
        lien, "import", "beneficiaries", str(file), "--dry-run", "--org", "default",
        "--column", "Situation=ignore",
    )  # fmt: skip
    assert "Colonnes écartées : N° dossier, Situation, Date d'inscription, Remarques" in ignored
    real = run(lien, "import", "beneficiaries", str(file), "--org", "default")
    assert "Colonnes écartées : N° dossier, Date d'inscription, Remarques" in real
    assert "Étiquette Isolé·e (nouvelle) :" in real and "« ISOLE »" in real
    assert "ligne fixe « 04 68 00 05 10 » gardée sur la fiche, sans envoi de SMS" in real
    assert "Ligne 17 : même téléphone que les lignes 18, personnes distinctes." in real
    before = run(lien, "broadcast", "audience", "--org", "default", "--tag", "à risque")
    merged = run(lien, "tags", "merge", "a risque", "isolé", "--org", "default")
    assert "passée(s) de « a risque » à « isolé »" in merged
    listed = run(lien, "tags", "list", "--org", "default")
    assert "a-risque" not in listed and "Isolé·e" in listed
    after = run(lien, "broadcast", "audience", "--org", "default", "--tag", "à risque")
    assert "0 personne(s) dans ce public." in after and before != after
