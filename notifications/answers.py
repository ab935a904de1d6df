"""Answers in plain words: "non merci je peux pas" is a no, "oui mais en retard" a yes + note."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from gateway.keywords import fold

WORDS = Path(__file__).parent / "answer_words.yaml"
# Words beyond the answer, its notes and polite words: more than this and staff read it.
MAX_OTHER_WORDS = 2
MAX_WORDS = 15


@dataclass(frozen=True)
class PlainAnswer:
    """A yes or a no, and whether the message also says something for the team."""

    yes: bool
    note: bool


@functools.cache
def _phrases() -> dict[str, tuple[tuple[str, ...], ...]]:
    loaded: dict[str, dict[str, list[str]]] = yaml.safe_load(WORDS.read_text(encoding="utf-8"))
    phrases = {
        kind: {tuple(fold(p).split()) for values in by_language.values() for p in values}
        for kind, by_language in loaded.items()
    }
    # Longest first, so that "je viens pas" is read before "je viens".
    return {
        k: tuple(sorted((p for p in v if p), key=len, reverse=True)) for k, v in phrases.items()
    }


def read_plain_answer(message: str) -> PlainAnswer | None:
    """Read a yes or a no in plain words; None when there is none, or both, or too much else."""
    words = fold(message).split()
    if not words or len(words) > MAX_WORDS:
        return None
    used = [False] * len(words)
    found = {kind: _take(words, used, kind) for kind in ("no", "yes", "note", "filler")}
    if found["yes"] == found["no"]:
        return None  # neither, or both: a person on the team reads it
    others = used.count(False)
    if others > MAX_OTHER_WORDS:
        return None
    return PlainAnswer(yes=found["yes"], note=found["note"] or others > 0)


def _take(words: list[str], used: list[bool], kind: str) -> bool:
    """Mark every free occurrence of the kind's phrases as used; say whether any was found."""
    found = False
    for phrase in _phrases()[kind]:
        size = len(phrase)
        for start in range(len(words) - size + 1):
            span = range(start, start + size)
            if tuple(words[start : start + size]) == phrase and not any(used[i] for i in span):
                for i in span:
                    used[i] = True
                found = True
    return found
