"""The urgency lexicon: every kind of urgency heard in every language, folded and misspelt."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.urgency import LexiconError, load_lexicon, shipped_lexicon
from bot.wordmatch import fold
from tests.bot.urgency_cases import (
    BEATEN_BY_HUSBAND,
    CASES,
    EMERGENCY_WORDS,
    NUMBERS,
    STREET_WITH_BABY,
    params,
)

LANGUAGES = ("fr", "en", "ar", "ti", "fa", "ps")


def categories(text: str) -> list[str]:
    return [signal.category for signal in shipped_lexicon().hear(text)]


def test_every_category_has_a_case_in_every_language() -> None:
    lexicon = shipped_lexicon()
    assert {category.id for category in lexicon.categories} == set(CASES)
    for category in lexicon.categories:
        assert {term.language for term in category.terms} >= set(LANGUAGES), category.id


@pytest.mark.parametrize(("category", "lang", "text"), params())
def test_each_kind_of_urgency_is_heard_in_each_language(
    category: str, lang: str, text: str
) -> None:
    (signal,) = shipped_lexicon().hear(text)
    assert (signal.category, signal.language) == (category, lang)
    assert signal.words and all(word in text for word in signal.words)


def test_the_two_messages_of_the_trial_are_urgent() -> None:
    lexicon = shipped_lexicon()
    street = lexicon.hear(STREET_WITH_BABY)
    assert [s.category for s in street] == ["street_tonight", "baby_pregnancy"]
    assert street[0].words == ("dors", "dehors") and street[1].words == ("bébé",)
    assert lexicon.priority_of(street) == "urgent" and lexicon.need_of(street) == "shelter"
    beaten = lexicon.hear(BEATEN_BY_HUSBAND)
    assert [(s.category, s.words) for s in beaten] == [("violence", ("frappe",))]
    assert "3919" in (lexicon.answer_for(beaten, "fr") or "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JE DORS DEHORS", ["street_tonight"]),  # case
        ("je dors dehôrs", ["street_tonight"]),  # a stray accent
        ("je dors dehros", ["street_tonight"]),  # two letters swapped
        ("mon mari me frappeee", ["violence"]),  # letters repeated
        ("ana fi share3", ["street_tonight"]),  # Arabic in Latin letters
        ("زوجى يضربنى", ["violence"]),  # ى for ي
        ("انا حامله", ["baby_pregnancy"]),  # ه for ة
        ("ሰብኣየ ይወቕዓኒ", ["violence"]),
        ("ሰብኣየ ይወቕአኒ", ["violence"]),  # አ written for ዓ
        ("ژوند نه غواړم", ["suicide"]),
        ("ژوند نه غوارم", ["suicide"]),  # ړ written with a Persian keyboard
        ("من حامله هستم", ["baby_pregnancy"]),
    ],
)
def test_spellings_fold_to_the_same_words(text: str, expected: list[str]) -> None:
    assert categories(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "je cherche un cours de francais",
        "j'ai un endroit pour dormir ce soir merci",
        "ou trouver un colis alimentaire demain",
        "mon fils a 16 ans il veut apprendre le francais",
        "I have a place to sleep tonight, I need a job",
        "أريد تعلم اللغة الفرنسية",
        "فردا کلاس فرانسوی دارم",
        "ትምህርቲ ፈረንሳይኛ ይደሊ",
        "زه کار غواړم",
        "1",
        "",
    ],
)
def test_everyday_requests_are_not_urgent(text: str) -> None:
    assert categories(text) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_danger_to_life_is_answered_with_the_numbers_in_the_persons_language(lang: str) -> None:
    lexicon = shipped_lexicon()
    for category, numbers in NUMBERS.items():
        signals = lexicon.hear(CASES[category][lang])
        answer = lexicon.answer_for(signals, lang)
        assert answer is not None and EMERGENCY_WORDS[lang] in answer.lower(), category
        assert all(number in answer for number in numbers), (category, answer)
    for category in set(CASES) - set(NUMBERS):
        assert lexicon.answer_for(lexicon.hear(CASES[category][lang]), lang) is None


def test_expulsion_needs_a_date() -> None:
    assert categories("j'ai une OQTF, que faire ?") == []
    assert categories("OQTF reçue, je dois partir dans 30 jours") == ["expulsion"]
    assert shipped_lexicon().priority_of(shipped_lexicon().hear("deport me tomorrow")) == "high"


def test_an_edited_lexicon_is_read_and_its_mistakes_named(tmp_path: Path) -> None:
    edited = tmp_path / "urgency.yaml"
    edited.write_text(
        "categories:\n"
        "  street_tonight:\n"
        "    label: {fr: dehors}\n"
        "    priority: urgent\n"
        '    terms: {fr: ["sous la pluie"]}\n',
        encoding="utf-8",
    )
    assert [s.category for s in load_lexicon(edited).hear("Je suis sous la pluie")] == [
        "street_tonight"
    ]
    edited.write_text(
        "categories:\n  x:\n    label: {fr: x}\n    priority: urgent\n    answer: nope\n"
        "    terms: {fr: [a]}\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match='no answer "nope"'):
        load_lexicon(edited)


def test_folding_keeps_words_comparable() -> None:
    assert fold("Dehôrs !!") == ["dehors"]
    assert fold("بی‌خانمان") == fold("بی خانمان")
