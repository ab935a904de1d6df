"""Read a free answer as one of the offered choices: by number, keyword or label, despite typos."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

# Long messages are stories, not answers: look at their beginning only, and stay fast.
MATCH_LIMIT = 200

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Arabic and Persian spellings of the same letters, so that either keyboard matches.
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ـ": None}
)
_REPEATS = re.compile(r"([^\W\d_])\1+")
_ARTICLE = "ال"


class Matchable(Protocol):
    """Anything offered as a choice: a key ("1") and the phrases that also name it."""

    @property
    def key(self) -> str: ...

    def phrases(self) -> Iterable[str]: ...


M = TypeVar("M", bound=Matchable)


def normalize(text: str) -> str:
    """Return the text lowercased, without accents, punctuation, emoji or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_DIGITS)
    kept = []
    for char in decomposed.translate(_ARABIC_LETTERS):
        category = unicodedata.category(char)
        if category[0] in "LN":
            kept.append(char)
        elif category[0] != "M":
            kept.append(" ")
    return " ".join("".join(kept).split())


def says_word(text: str, word: str) -> bool:
    """Tell whether the whole answer is this word ("Menu !" says "menu"; "-" says "-")."""
    expected = normalize(word)
    if expected:
        return normalize(text[:MATCH_LIMIT]) == expected
    return text.strip() == word.strip()


def words(text: str) -> list[str]:
    """Return the comparable words of a text: normalised, repeated letters squashed, no article."""
    return [_word(token) for token in normalize(text).split()]


def _word(token: str) -> str:
    squashed = _REPEATS.sub(r"\1", token)
    if squashed.startswith(_ARTICLE) and len(squashed) > len(_ARTICLE) + 2:
        return squashed[len(_ARTICLE) :]
    return squashed


def match_choice(text: str, choices: Sequence[M]) -> M | None:
    """Return the choice the answer names, or None when it names none or several."""
    answer = words(text[:MATCH_LIMIT])
    if not answer:
        return None
    if answer[0].isdigit():
        return _by_number(answer[0], choices)
    return _by_phrase(answer, choices) or _by_typo(answer, choices)


def _by_number(number: str, choices: Sequence[M]) -> M | None:
    for choice in choices:
        if normalize(choice.key) == number:
            return choice
    return None


def _phrases(choice: Matchable) -> list[list[str]]:
    found = [words(phrase) for phrase in (choice.key, *choice.phrases())]
    return [phrase for phrase in found if phrase]


def _by_phrase(answer: list[str], choices: Sequence[M]) -> M | None:
    """Return the only choice whose keyword or label appears word for word in the answer."""
    hits = [
        choice
        for choice in choices
        if any(_contains(answer, phrase) for phrase in _phrases(choice))
    ]
    return hits[0] if len(hits) == 1 else None


def _contains(answer: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return any(answer[i : i + size] == phrase for i in range(len(answer) - size + 1))


def _by_typo(answer: list[str], choices: Sequence[M]) -> M | None:
    """Return the only choice closest to the answer within a small number of typos."""
    best: dict[int, set[int]] = {}
    for index, choice in enumerate(choices):
        for phrase in _phrases(choice):
            distance = _closest(answer, phrase)
            if distance is not None:
                best.setdefault(distance, set()).add(index)
    if not best:
        return None
    winners = best[min(best)]
    return choices[winners.pop()] if len(winners) == 1 else None


def _closest(answer: list[str], phrase: list[str]) -> int | None:
    """Return the smallest tolerated distance between the phrase and a run of answer words."""
    target = " ".join(phrase)
    allowed = _allowed_typos(target)
    if not allowed:
        return None
    size = len(phrase)
    distances = [
        edit_distance(" ".join(answer[i : i + size]), target, limit=allowed)
        for i in range(len(answer) - size + 1)
    ]
    tolerated = [distance for distance in distances if distance <= allowed]
    return min(tolerated) if tolerated else None


def _allowed_typos(target: str) -> int:
    # Short words differ by one letter from other real words ("non"/"nom"): only exact matches.
    if len(target) >= 9:
        return 2
    return 1 if len(target) >= 5 else 0


def edit_distance(first: str, second: str, *, limit: int) -> int:
    """Return the edit distance (swaps count as one), or limit + 1 once it exceeds limit."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, start=1):
        current = [i]
        for j, b in enumerate(second, start=1):
            cost = 0 if a == b else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                value = min(value, before[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)
