"""The directory of local services: loading, search, and the short SMS form of an entry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.directory import Directory, DirectoryError, Entry, load_directory, render_entry
from bot.flowdef import SendDirectoryAction
from bot.flowload import load_flows
from bot.matching import normalize

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def shelter(**changes: object) -> Entry:
    data: dict[str, object] = {
        "id": "abri",
        "name": "Abri de nuit",
        "categories": ["shelter"],
        "what": {"fr": "Lits pour la nuit.", "en": "Beds for the night.", "ar": "أسرة للنوم."},
        "address": "3 rue Exemple, Nîmes",
        "hours": {"fr": "Tous les soirs 19h-8h", "en": "Every evening 7pm-8am"},
        "phone": "115",
        "places_available": 4,
        "places_updated_at": datetime(2025, 3, 4, 8, 0, tzinfo=PARIS),
    }
    data.update(changes)
    return Entry.model_validate(data)


def test_shipped_directory_is_marked_as_example_data() -> None:
    header = Path("bot/directory/nimes.yaml").read_text(encoding="utf-8")[:400]

    assert "EXEMPLE" in header
    assert "À VÉRIFIER" in header


def test_shipped_directory_serves_every_need_the_flows_send(directory: Directory) -> None:
    sent = {
        action.category
        for flow in load_flows().values()
        for node in flow.nodes.values()
        for action in getattr(node, "actions", [])
        if isinstance(action, SendDirectoryAction)
    }

    assert sent == {"shelter", "health", "rights", "french", "food", "work"}
    assert all(directory.entries_for(category) for category in sent)


def test_shipped_directory_gives_only_national_phone_numbers(directory: Directory) -> None:
    phones = {entry.phone for entry in directory.entries if entry.phone}

    assert phones <= {"115", "15", "112", "119", "3949", "3646", "à vérifier"}


def test_to_verify_lists_the_details_still_to_check(directory: Directory) -> None:
    to_verify = directory.to_verify()

    assert 'entry "cimade-nimes": phone' in to_verify
    assert 'entry "siao-115": phone' not in to_verify
    assert 'entry "siao-115": address' not in to_verify  # a phone line has no address


def test_entries_for_keeps_file_order(directory: Directory) -> None:
    ids = [entry.id for entry in directory.entries_for("shelter")]

    assert ids[0] == "siao-115"


def test_entries_are_found_again_by_id(directory: Directory) -> None:
    entry = directory.get("pass-caremeau")

    assert entry is not None
    assert entry.name == "PASS - CHU Carémeau"
    assert directory.get("unknown") is None


def test_search_by_words_in_any_language(directory: Directory) -> None:
    assert [entry.id for entry in directory.search("cimade")] == ["cimade-nimes"]
    assert "pass-caremeau" in [entry.id for entry in directory.search("Caremeau")]
    assert "siao-115" in [entry.id for entry in directory.search("مبيت")]
    assert directory.search("piscine") == []


def test_render_is_short_and_in_the_persons_language() -> None:
    text = render_entry(shelter(), "en", now=NOW)

    assert text.split("\n") == [
        "Abri de nuit",
        "Beds for the night.",
        "3 rue Exemple, Nîmes",
        "Every evening 7pm-8am",
        "Tel. 115",
        "Places available today: 4",
    ]


def test_render_falls_back_to_french_for_a_missing_language() -> None:
    text = render_entry(shelter(), "ar", now=NOW)

    assert "أسرة للنوم." in text
    assert "Tous les soirs 19h-8h" in text
    assert "الهاتف: 115" in text


def test_places_are_shown_only_on_the_day_they_were_updated() -> None:
    yesterday_late = datetime(2025, 3, 3, 23, 30, tzinfo=PARIS)  # 22:30 UTC, still the 3rd
    entry = shelter(places_updated_at=yesterday_late)

    assert "Places disponibles" not in render_entry(entry, "fr", now=NOW)
    assert "Places disponibles aujourd'hui : 4" in render_entry(shelter(), "fr", now=NOW)


def test_places_use_paris_days_not_utc_days() -> None:
    just_after_midnight = datetime(2025, 3, 4, 0, 15, tzinfo=PARIS)  # 23:15 UTC on the 3rd
    entry = shelter(places_updated_at=just_after_midnight)

    assert "Places disponibles aujourd'hui : 4" in render_entry(entry, "fr", now=NOW)


def test_zero_places_is_said() -> None:
    text = render_entry(shelter(places_available=0), "fr", now=NOW)

    assert "Places disponibles aujourd'hui : 0" in text


def test_details_to_verify_are_never_sent() -> None:
    entry = shelter(address="à vérifier", phone="à vérifier", hours={"fr": "À vérifier"})

    text = render_entry(entry, "fr", now=NOW)

    assert "rifier" not in text
    assert text.split("\n")[:2] == ["Abri de nuit", "Lits pour la nuit."]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ville.yaml"
    path.write_text(text, encoding="utf-8")
    return path


ENTRY = """\
entries:
  - id: abri
    name: Abri
    categories: [shelter]
    what: {fr: Lits, en: Beds, ar: أسرة}
"""


def test_a_minimal_directory_loads(tmp_path: Path) -> None:
    directory = load_directory(write(tmp_path, ENTRY))

    assert [entry.id for entry in directory.entries] == ["abri"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ENTRY + ENTRY.split("\n", 1)[1], 'ville.yaml: entry "abri": duplicate id'),
        (ENTRY.replace("[shelter]", "[shelterr]"), 'ville.yaml: entry "abri": unknown category'),
        (ENTRY.replace(", ar: أسرة", ""), 'ville.yaml: entry "abri": what: missing "ar"'),
        (ENTRY + "    phone_number: '115'\n", 'ville.yaml: entry "abri": unknown field'),
        (ENTRY + "    places_available: 3\n", 'ville.yaml: entry "abri": places_available and'),
        (ENTRY + "    places_available: -1\n", 'ville.yaml: entry "abri": "places_available"'),
        (ENTRY.replace("    name: Abri\n", ""), 'ville.yaml: entry "abri": missing "name"'),
        ("entries: [unclosed\n", "ville.yaml: invalid YAML"),
    ],
)
def test_broken_directories_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DirectoryError) as caught:
        load_directory(write(tmp_path, text))

    assert str(caught.value).startswith(message)


def test_local_times_without_zone_are_paris_times(tmp_path: Path) -> None:
    text = ENTRY + "    places_available: 2\n    places_updated_at: 2025-03-04 00:10:00\n"

    (entry,) = load_directory(write(tmp_path, text)).entries

    assert entry.places_updated_at == datetime(2025, 3, 4, 0, 10, tzinfo=PARIS)
    assert normalize(render_entry(entry, "fr", now=NOW)).endswith("aujourd hui 2")
