"""`lien flows check`, `lien chat` through the whole accueil offline, and broken files refused."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.flowdef import FlowError
from bot.flowload import FLOWS_FOLDER
from fakeprovider import FakeProviderServer
from lien.cli import app
from tests.lien.conftest import provider_settings, started

BROKEN_TARGET = 'accueil.yaml: node "need": choice "2" goes to unknown node "helth"'


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """The commands set up their own logging; give the test runner its handlers back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def broken_flows(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    text = (FLOWS_FOLDER / "accueil.yaml").read_text(encoding="utf-8")
    broken = text.replace("goto: health_emergency", "goto: helth", 1)
    assert broken != text
    (folder / "accueil.yaml").write_text(broken, encoding="utf-8")
    return folder


def test_flows_check_passes_on_the_shipped_files_and_reports_coverage() -> None:
    result = CliRunner().invoke(app, ["flows", "check"])

    assert result.exit_code == 0, result.output
    assert "text(s) without" not in result.output
    coverage = next(line for line in result.output.splitlines() if "textes traduits" in line)
    total = coverage.split("fr ")[1].split("/")[1].split(" ")[0]
    for lang in ("fr", "en", "ar", "fa"):
        assert f"{lang} {total}/{total} (100%)," in coverage + ","
    assert f"ti {total}/{total} (100%) à relire" in coverage
    assert f"ps {total}/{total} (100%) à relire" in coverage
    assert "Flux : accueil.yaml — valides" in result.output
    assert "Annuaire : nimes.yaml — valide, 14 fiches" in result.output


def test_flows_check_lists_missing_translations_and_their_share(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    text = (FLOWS_FOLDER / "accueil.yaml").read_text(encoding="utf-8")
    without = text.replace(', ti: "መደቀሲ", ps: "د اوسېدو ځای"}', "}", 1)
    assert without != text
    (folder / "accueil.yaml").write_text(without, encoding="utf-8")

    result = CliRunner().invoke(app, ["flows", "check", "--folder", str(folder)])

    assert result.exit_code == 0, result.output
    assert "accueil.yaml: 1 text(s) without ps" in result.output
    assert '  - node "need": choice "1": label' in result.output
    coverage = next(line for line in result.output.splitlines() if "textes traduits" in line)
    total = int(coverage.split("fr ")[1].split("/")[1].split(" ")[0])
    assert f"ps {total - 1}/{total} (" in coverage and f"ti {total - 1}/{total} (" in coverage


def test_flows_check_names_the_file_node_and_reason(broken_flows: Path) -> None:
    result = CliRunner().invoke(app, ["flows", "check", "--folder", str(broken_flows)])

    assert result.exit_code == 1
    assert f"{BROKEN_TARGET.replace(': node', ': error: node')}" in result.output
    assert "ERREURS, refusés au démarrage" in result.output


def test_commands_refuse_to_start_with_a_broken_flow(broken_flows: Path, tmp_path: Path) -> None:
    env = {
        "LIEN_FLOWS_DIR": str(broken_flows),
        "LIEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'never.db'}",
    }
    result = CliRunner().invoke(app, ["chat"], env=env, input="Bonjour\n")

    assert result.exit_code == 2
    assert "Démarrage refusé : fichier invalide." in result.output
    assert BROKEN_TARGET in result.output
    assert not (tmp_path / "never.db").exists()


async def test_the_app_refuses_to_start_with_a_broken_flow(
    broken_flows: Path, database_url: str, fake_provider: FakeProviderServer
) -> None:
    settings = provider_settings(database_url, fake_provider, flows_dir=broken_flows)

    with pytest.raises(FlowError) as refused:
        async for _app in started(settings):
            pass

    assert str(refused.value) == BROKEN_TARGET


def test_chat_walks_the_whole_accueil_offline(tmp_path: Path) -> None:
    env = {
        "LIEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "LIEN_LOG_LEVEL": "WARNING",
    }
    script = "\n".join(["Bonjour", "1", "Amina", "5", "2", "Merci beaucoup", "MENU", ""])

    result = CliRunner().invoke(app, ["chat", "--from", "+33612345678"], env=env, input=script)

    assert result.exit_code == 0, result.output
    out = result.output
    assert "lien > Bonjour / Hello / مرحبا" in out
    assert "lien > Quel est votre prénom ? (0 pour passer)" in out
    assert "lien > Merci Amina. De quoi avez-vous besoin ?\n1. Hébergement" in out
    assert "lien > Avez-vous de quoi manger aujourd'hui ?\n1. Oui\n2. Non" in out
    assert "lien > Où aller :\nRestos du Coeur - Nîmes" in out
    assert "lien > Merci Amina. Une personne de l'équipe va vous recontacter" in out
    assert "lien > Une personne de l'équipe va vous répondre" in out  # after "Merci beaucoup"
    assert out.rstrip().endswith("vous >")
    assert out.count("lien > Merci Amina. De quoi avez-vous besoin ?") == 2  # MENU: needs again


def test_an_edited_urgency_lexicon_is_used_and_a_broken_one_refused(tmp_path: Path) -> None:
    lexicon = tmp_path / "urgency.yaml"
    lexicon.write_text(
        "categories:\n"
        "  street_tonight:\n"
        "    label: {fr: dehors}\n"
        "    priority: urgent\n"
        "    answer: street\n"
        '    terms: {fr: ["sous la pluie"]}\n'
        "answers:\n"
        '  street: {fr: "Appelez le 115."}\n',
        encoding="utf-8",
    )
    env = {
        "LIEN_URGENCY_FILE": str(lexicon),
        "LIEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "LIEN_LOG_LEVEL": "WARNING",
    }
    checked = CliRunner().invoke(app, ["flows", "check"], env=env)
    assert checked.exit_code == 0, checked.output
    assert "Urgences : urgency.yaml — valide, 1 catégories, langues fr" in checked.output

    chat = CliRunner().invoke(app, ["chat"], env=env, input="Je suis sous la pluie\n")
    assert chat.exit_code == 0, chat.output
    assert "lien > Appelez le 115." in chat.output

    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace("answer: street", "answer: x"))
    refused = CliRunner().invoke(app, ["chat"], env=env, input="Bonjour\n")
    assert refused.exit_code == 2
    assert 'urgency.yaml: category "street_tonight": no answer "x"' in refused.output
