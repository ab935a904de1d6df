"""Flow files: the shipped ones load; broken ones are refused with where and why."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flowdef import ENGINE_TEXTS, FlowError, QuestionNode
from bot.flowload import check_flows, load_flow, load_flows

BASE: dict[str, Any] = {
    "start": "ask",
    "languages": {"fr": {"name": "Français"}, "en": {"name": "English"}},
    "texts": {key: {"fr": "Texte"} for key in ENGINE_TEXTS},
    "nodes": {
        "ask": {
            "kind": "question",
            "text": {"fr": "Besoin ?", "en": "Need?"},
            "save_as": "need",
            "choices": [
                {"key": "1", "label": {"fr": "Logement"}, "goto": "bye"},
                {"key": "2", "label": {"fr": "Santé"}, "goto": "bye"},
                {"key": "3", "label": {"fr": "Travail"}, "goto": "bye"},
            ],
        },
        "bye": {"kind": "message", "text": {"fr": "Au revoir"}, "actions": ["end"]},
    },
}


def write_flow(folder: Path, data: dict[str, Any], name: str = "accueil.yaml") -> Path:
    path = folder / name
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def broken(tmp_path: Path, change: Any) -> str:
    """Return the error message of the base flow after a change."""
    data = copy.deepcopy(BASE)
    change(data)
    with pytest.raises(FlowError) as caught:
        load_flow(write_flow(tmp_path, data))
    return str(caught.value)


def test_shipped_flows_load_and_check_clean() -> None:
    flows = load_flows()
    report = check_flows()

    assert "accueil" in flows
    assert report.ok, report.lines()
    assert all(not file.warnings for file in report.files)


def test_shipped_accueil_has_every_text_in_french_english_and_arabic() -> None:
    flow = load_flows()["accueil"]
    (accueil,) = check_flows().files

    assert set(flow.required_languages) == {"fr", "en", "ar"}
    assert not {"fr", "en", "ar"} & accueil.missing_translations.keys()


def test_shipped_accueil_offers_the_seven_needs() -> None:
    need = load_flows()["accueil"].nodes["need"]

    assert isinstance(need, QuestionNode)
    assert [choice.value for choice in need.choices] == [
        "shelter",
        "health",
        "rights",
        "french",
        "food",
        "work",
        "talk",
    ]


def test_base_flow_of_these_tests_is_valid(tmp_path: Path) -> None:
    flow = load_flow(write_flow(tmp_path, BASE))

    assert flow.id == "accueil"
    assert flow.start == "ask"


def test_unknown_target_names_file_node_choice_and_target(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["ask"]["choices"][2]["goto"] = "helth"

    message = broken(tmp_path, change)

    assert message == 'accueil.yaml: node "ask": choice "3" goes to unknown node "helth"'


def test_missing_french(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["bye"]["text"] = {"en": "Bye"}

    assert broken(tmp_path, change) == 'accueil.yaml: node "bye": text: missing French (fr)'


def test_missing_required_language(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["required_languages"] = ["fr", "en"]
        data["texts"] = {key: {"fr": "Texte", "en": "Text"} for key in ENGINE_TEXTS}
        data["nodes"]["ask"]["choices"] = data["nodes"]["ask"]["choices"][:1]
        data["nodes"]["ask"]["choices"][0]["label"]["en"] = "Housing"
        data["nodes"]["bye"]["text"]["en"] = "Bye"
        del data["nodes"]["ask"]["text"]["en"]

    message = broken(tmp_path, change)

    assert message == 'accueil.yaml: node "ask": text: missing required language "en"'


def test_duplicate_choice_key(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["ask"]["choices"][2]["key"] = "2"

    assert broken(tmp_path, change) == 'accueil.yaml: node "ask": duplicate choice key "2"'


def test_unknown_action(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["bye"]["actions"] = [{"send_sms": "hello"}, "end"]

    message = broken(tmp_path, change)

    assert message == 'accueil.yaml: node "bye": action 1: unknown action "send_sms"'


def test_action_with_a_missing_argument(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["bye"]["actions"] = [{"open_ticket": {"priority": "urgent"}}, "end"]

    assert broken(tmp_path, change) == 'accueil.yaml: node "bye": action 1: missing "need"'


def test_unknown_need_and_priority(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["bye"]["actions"] = [{"open_ticket": {"need": "helth"}}, "end"]

    message = broken(tmp_path, change)

    assert message.startswith('accueil.yaml: node "bye": unknown need "helth"')


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "accueil.yaml"
    path.write_text("start: ask\nnodes:\n  ask: [unclosed\n", encoding="utf-8")

    with pytest.raises(FlowError, match=r"^accueil\.yaml: invalid YAML: .*\(line \d+\)$"):
        load_flow(path)


def test_node_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "accueil.yaml"
    path.write_text(
        "start: bye\n"
        "nodes:\n"
        "  bye: {kind: message, text: {fr: Salut}, actions: [end]}\n"
        "  bye: {kind: message, text: {fr: Encore}, actions: [end]}\n",
        encoding="utf-8",
    )

    with pytest.raises(FlowError, match=r'^accueil\.yaml: invalid YAML: "bye" is given twice'):
        load_flow(path)


def test_missing_start_node(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["start"] = "welcome"

    assert broken(tmp_path, change) == 'accueil.yaml: start: unknown node "welcome"'


def test_unknown_kind(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["bye"]["kind"] = "mesage"

    assert broken(tmp_path, change) == 'accueil.yaml: node "bye": unknown kind "mesage"'


def test_misspelt_field(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["ask"]["choices"][0]["gotoo"] = data["nodes"]["ask"]["choices"][0].pop("goto")

    message = broken(tmp_path, change)

    assert 'accueil.yaml: node "ask": choice "1": unknown field "gotoo"' in message
    assert 'accueil.yaml: node "ask": choice "1": missing "goto"' in message


def test_unknown_placeholder(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["bye"]["text"]["fr"] = "Au revoir {frist_name}"

    message = broken(tmp_path, change)

    assert message == 'accueil.yaml: node "bye": text (fr): unknown placeholder {frist_name}'


def test_message_that_leads_nowhere(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["bye"]["actions"] = []

    message = broken(tmp_path, change)

    assert message == 'accueil.yaml: node "bye": needs "next" or an end/handoff action'


def test_loop_without_a_question(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["bye"] = {"kind": "message", "text": {"fr": "Encore"}, "next": "again"}
        data["nodes"]["again"] = {"kind": "action", "actions": [{"add_tag": "x"}], "next": "bye"}

    message = broken(tmp_path, change)

    assert 'node "bye": loops back to itself without a question' in message


def test_gateway_keywords_cannot_be_used_by_flows(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["anytime"] = [{"id": "quit", "keywords": ["STOP"], "actions": ["end"]}]

    message = broken(tmp_path, change)

    assert message.endswith('anytime "quit": "stop" is answered by the gateway, not by flows')


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["nodes"]["ask"]["choices"][0]["goto"] = "nowhere"
        data["nodes"]["ask"]["choices"][2]["key"] = "2"
        data["nodes"]["bye"]["text"] = {"en": "Bye"}

    data = copy.deepcopy(BASE)
    change(data)
    with pytest.raises(FlowError) as caught:
        load_flow(write_flow(tmp_path, data))

    assert len(caught.value.problems) == 3
    assert all(problem.startswith("accueil.yaml: ") for problem in caught.value.problems)


def test_unreachable_node_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = copy.deepcopy(BASE)
    data["nodes"]["orphan"] = {"kind": "message", "text": {"fr": "Seul"}, "actions": ["end"]}
    write_flow(tmp_path, data)

    with caplog.at_level(logging.WARNING):
        load_flows(tmp_path)
    report = check_flows(tmp_path)

    assert report.ok
    assert report.files[0].warnings == ['node "orphan" is never reached']
    assert 'node "orphan" is never reached' in caplog.text


def test_check_lists_missing_translations_per_language(tmp_path: Path) -> None:
    write_flow(tmp_path, BASE)

    (report,) = check_flows(tmp_path).files

    assert 'texts "reask_choice"' in report.missing_translations["en"]
    assert 'node "ask": text' not in report.missing_translations["en"]
    assert "fr" not in report.missing_translations


def test_check_reports_broken_files_without_raising(tmp_path: Path) -> None:
    write_flow(tmp_path, BASE, name="good.yaml")
    (tmp_path / "bad.yaml").write_text("- just a list\n", encoding="utf-8")

    report = check_flows(tmp_path)

    assert not report.ok
    assert [file.file for file in report.files if file.errors] == ["bad.yaml"]
    assert any(line.startswith("bad.yaml: error: ") for line in report.lines())


def test_two_files_with_the_same_flow_id(tmp_path: Path) -> None:
    write_flow(tmp_path, {**BASE, "id": "accueil"}, name="a.yaml")
    write_flow(tmp_path, {**BASE, "id": "accueil"}, name="b.yaml")

    with pytest.raises(FlowError, match=r'b\.yaml: flow id "accueil" is already used'):
        load_flows(tmp_path)
