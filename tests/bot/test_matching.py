"""Answers read as choices: numbers, keywords, labels, accents, typos, Arabic and Persian."""

from __future__ import annotations

from functools import cache

import pytest

from bot.flowdef import QuestionNode
from bot.flowload import load_flows
from bot.matching import edit_distance, match_choice, normalize, says_word


@cache
def question(node_id: str) -> QuestionNode:
    node = load_flows()["accueil"].nodes[node_id]
    assert isinstance(node, QuestionNode)
    return node


def need_choices() -> QuestionNode:
    return question("need")


def yes_no() -> QuestionNode:
    return question("shelter_tonight")


def matched_value(answer: str) -> str | None:
    choice = match_choice(answer, need_choices().choices)
    return choice.value if choice else None


@pytest.mark.parametrize(
    ("answer", "need"),
    [
        ("1", "shelter"),
        (" 2 ", "health"),
        ("2.", "health"),
        ("3)", "rights"),
        ("٢", "health"),  # Arabic-Indic digit
        ("۵", "food"),  # Persian digit
        ("２", "health"),  # full-width digit
        ("7 parler", "talk"),
        ("logement", "shelter"),
        ("hebergement", "shelter"),
        ("Hébergement", "shelter"),
        ("hébergemnt", "shelter"),
        ("HEBERGMENT !!", "shelter"),
        ("je cherche un logement", "shelter"),
        ("santé", "health"),
        ("sante", "health"),
        ("SANTE", "health"),
        ("doctor", "health"),
        ("médecin", "health"),
        ("medcin", "health"),
        ("j'ai besoin d'un médecin", "health"),
        ("papiers", "rights"),
        ("titre de séjour", "rights"),
        ("droits et papier", "rights"),
        ("apprendre le francais", "french"),
        ("Learn French", "french"),
        ("j'ai faim", "food"),
        ("alimentation", "food"),
        ("travail", "work"),
        ("Parler à quelqu'un", "talk"),
        ("parler a quelqu un", "talk"),
        ("سكن", "shelter"),
        ("السكن", "shelter"),
        ("أبحث عن سكن", "shelter"),
        ("الصحة", "health"),
        ("الصحه", "health"),  # ta marbuta written as ha
        ("طبيب", "health"),
        ("لجوء", "rights"),
        ("أكل", "food"),
        ("عمل", "work"),
        ("مسکن", "shelter"),  # Persian keyboard
        ("دکتر", "health"),
        ("کار", "work"),
        ("Shelter 🙏", "shelter"),
    ],
)
def test_answers_that_name_a_need(answer: str, need: str) -> None:
    assert matched_value(answer) == need


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "   ",
        "🙏🙏",
        "?",
        "8",
        "0",
        "12",
        "0612345678",
        "bonjour",
        "ok",
        "je ne sais pas",
        "logement et médecin",  # two needs: let a person decide
    ],
)
def test_answers_that_name_no_need(answer: str) -> None:
    assert matched_value(answer) is None


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("oui", "1"),
        ("Oui !", "1"),
        ("ouii", "1"),
        ("OUI", "1"),
        ("yes", "1"),
        ("نعم", "1"),
        ("بله", "1"),
        ("non", "2"),
        ("Non.", "2"),
        ("nonn", "2"),
        ("no", "2"),
        ("لا", "2"),
        ("je dors dans la rue", "2"),
        ("نه", "2"),
    ],
)
def test_yes_and_no(answer: str, key: str) -> None:
    choice = match_choice(answer, yes_no().choices)

    assert choice is not None
    assert choice.key == key


def test_yes_and_no_together_is_no_answer() -> None:
    assert match_choice("oui non", yes_no().choices) is None


def test_short_words_need_an_exact_match() -> None:
    # "nom" is one letter from "non" but means something else entirely.
    assert match_choice("nom", yes_no().choices) is None


def test_long_answers_are_read_from_their_beginning_only() -> None:
    answer = "logement " + "bla " * 5000 + "santé"

    assert matched_value(answer) == "shelter"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Élève, À L'ÉCOLE !  ", "eleve a l ecole"),
        ("الصِّحَّة", "الصحه"),
        ("أإآ", "ااا"),
        ("کی", "كي"),
        ("١٢٣ ۴۵۶", "123 456"),
        ("ትግርኛ።", "ትግርኛ"),
        ("👍🏽 merci", "merci"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_says_word_compares_whole_answers() -> None:
    assert says_word(" Menu ! ", "MENU")
    assert says_word("-", "-")
    assert not says_word("menu svp", "menu")
    assert not says_word("--", "-")


@pytest.mark.parametrize(
    ("first", "second", "distance"),
    [
        ("hebergement", "hebergement", 0),
        ("hebergemnt", "hebergement", 1),
        ("hebregement", "hebergement", 1),  # swapped letters count once
        ("logment", "logement", 1),
        ("sante", "santa", 1),
        ("abc", "xyz", 3),
    ],
)
def test_edit_distance(first: str, second: str, distance: int) -> None:
    assert edit_distance(first, second, limit=3) == distance


def test_edit_distance_stops_past_the_limit() -> None:
    assert edit_distance("hebergement", "alimentation", limit=2) == 3
