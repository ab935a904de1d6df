import re

import pytest

from gateway.catalogue import load_catalogue
from gateway.encoding import analyze_sms
from notifications.texts import CATALOGUE, Answer, read_answer, template_problems


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("OUI", Answer(yes=True)),
        ("oui merci !", Answer(yes=True)),
        ("Non.", Answer(yes=False)),
        ("no thanks", Answer(yes=False)),
        ("نعم", Answer(yes=True)),
        ("لا", Answer(yes=False)),
        ("1", Answer(yes=True, number=1)),
        ("2", Answer(yes=False, number=2)),
        ("7", Answer(number=7)),
        ("Ateliers", Answer(activities=True)),
        ("እወ", Answer(yes=True)),
        ("ኣይፋል", Answer(yes=False)),
        ("هو", Answer(yes=True)),
        ("نه", Answer(yes=False)),
        ("ACTIVITÉS", Answer(activities=True)),
        # Plain words: the answer counts; anything else said is kept for the team.
        ("non je ne pourrai pas venir mardi", Answer(yes=False, note=True)),
        ("non merci je peux pas", Answer(yes=False)),
        ("Je peux pas, désolée", Answer(yes=False)),
        ("pas dispo", Answer(yes=False)),
        ("empêchée", Answer(yes=False)),
        ("je viens pas", Answer(yes=False)),
        ("I can't come, sorry", Answer(yes=False)),
        ("لا أستطيع", Answer(yes=False)),
        ("oui mais en retard", Answer(yes=True, note=True)),
        ("je serai là", Answer(yes=True)),
        ("نعم سأحضر", Answer(yes=True)),
        # A yes and a no, or a story: a person on the team reads it.
        ("oui non", None),
        ("non je viens", None),
        ("oui mais ma fille est malade demain matin", None),
        ("y a-t-il un atelier ?", None),
        ("bonjour", None),
        ("", None),
    ],
)
def test_short_answers_are_read_in_every_language(message: str, expected: Answer | None) -> None:
    assert read_answer(message) == expected


def test_every_text_exists_in_french_english_and_arabic() -> None:
    catalogue = load_catalogue(CATALOGUE)
    assert all({"fr", "en", "ar"} <= set(texts) for texts in catalogue.values())


def test_every_text_exists_in_tigrinya_and_pashto_with_the_same_placeholders() -> None:
    catalogue = load_catalogue(CATALOGUE)
    for key, texts in catalogue.items():
        for lang in ("ti", "ps"):
            assert lang in texts, (key, lang)
            french = sorted(set(re.findall(r"{(\w+)}", texts["fr"])))
            assert sorted(set(re.findall(r"{(\w+)}", texts[lang]))) == french, (key, lang)


def test_french_texts_stay_in_the_cheap_sms_alphabet() -> None:
    catalogue = load_catalogue(CATALOGUE)
    costly = [
        key for key, texts in catalogue.items() if analyze_sms(texts["fr"]).encoding != "GSM-7"
    ]
    assert costly == []


def test_templates_may_only_use_known_placeholders() -> None:
    assert template_problems("{title} {when} {place} {text}") == []
    assert "nom" in template_problems("Bonjour {nom}")[0]
    assert template_problems("{title") == ["accolades mal fermées dans le modèle de rappel"]
