from __future__ import annotations

import pytest

from broadcast.composition import Personal, check_texts, compose, personalise, placeholders_of
from broadcast.texts import Invalid


def test_french_is_required_as_the_fallback() -> None:
    with pytest.raises(Invalid, match="français"):
        check_texts({"ar": "مرحبا"})
    with pytest.raises(Invalid, match="« en » est vide"):
        check_texts({"fr": "Bonjour", "en": "  "})
    assert check_texts({" FR ": " Bonjour "}) == {"fr": "Bonjour"}


def test_only_known_placeholders_are_accepted() -> None:
    assert placeholders_of("Bonjour {prénom} ({site})") == {"prénom", "site"}
    assert placeholders_of("Bonjour {prenom}, {{pas un champ}}") == {"prenom"}
    with pytest.raises(Invalid, match=r"champ inconnu \{nom\}"):
        check_texts({"fr": "Bonjour {nom}"})
    with pytest.raises(Invalid, match="accolade"):
        check_texts({"fr": "Bonjour {prénom"})
    with pytest.raises(Invalid, match="champ inconnu"):
        check_texts({"fr": "Bonjour {prénom!r}"})


def test_an_empty_value_takes_its_space_away() -> None:
    assert personalise("Bonjour {prénom}, à {site}.", Personal("Awa", "Nîmes")) == (
        "Bonjour Awa, à Nîmes."
    )
    assert personalise("Bonjour {prénom}, à {site}.", Personal()) == "Bonjour, à."
    assert personalise("{{prénom}} reste écrit", Personal("Awa")) == "{prénom} reste écrit"


def test_each_person_gets_their_language_or_french_with_the_way_to_stop() -> None:
    texts = {"fr": "Bonjour {prénom}", "ar": "مرحبا {prénom}"}
    assert compose(texts, language="ar", personal=Personal("Samira"), stop_notice=True) == (
        "مرحبا Samira\nأرسل STOP لإيقاف هذه الرسائل."
    )
    assert compose(texts, language="ti", personal=Personal("Amanuel"), stop_notice=True) == (
        "Bonjour Amanuel\nRépondez STOP pour ne plus recevoir ces messages."
    )
    assert compose(texts, language=None, personal=Personal(), stop_notice=False) == "Bonjour"
