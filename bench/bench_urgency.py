"""Urgency heard in people's words: recall of urgent cases and false urgent rate on a labelled set.

The set (bench/data/urgency_messages.csv) holds messages in French, English, Arabic, Tigrinya,
Persian/Dari and Pashto, written the way people text (typos, SMS spelling, Latin letters), each
labelled with its kind of urgency or none. The baseline, measured in the same run, is a plain
keyword list: the lexicon's single words matched as typed, without folding or typo tolerance.
Goals: recall of urgent cases at least 95 %, false urgent at most 5 %.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.urgency import Lexicon, shipped_lexicon

DATA = Path(__file__).parent / "data" / "urgency_messages.csv"
RECALL_GOAL = 0.95
FALSE_URGENT_GOAL = 0.05


@dataclass(frozen=True)
class Labelled:
    language: str
    category: str  # empty: not urgent
    text: str


@dataclass(frozen=True)
class Scores:
    recall: float
    false_urgent: float
    right_kind: float
    per_second: float
    missed: list[Labelled]
    false_alarms: list[Labelled]
    recall_by_language: dict[str, float]


def labelled_set(path: Path = DATA) -> list[Labelled]:
    """Return the labelled messages."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Labelled(row["language"], row["category"], row["text"])
            for row in csv.DictReader(handle)
        ]


def keyword_baseline(lexicon: Lexicon) -> Callable[[str], set[str]]:
    """Return a matcher of the lexicon's one-word alternatives, as typed, word for word."""
    words: dict[str, set[str]] = {}
    for category in lexicon.categories:
        for term in category.terms:
            for part in term.parts:
                for phrase in part:
                    if len(term.parts) == 1 and len(phrase) == 1 and not phrase[0][1]:
                        words.setdefault(phrase[0][0], set()).add(category.id)

    def hear(text: str) -> set[str]:
        found: set[str] = set()
        for token in text.lower().split():
            found |= words.get(token.strip(".,;:!?"), set())
        return found

    return hear


def score(messages: list[Labelled], hear: Callable[[str], set[str]]) -> Scores:
    """Return how the matcher does on the labelled set."""
    urgent = [m for m in messages if m.category]
    calm = [m for m in messages if not m.category]
    started = time.perf_counter()
    heard = {m.text: hear(m.text) for m in messages}
    elapsed = time.perf_counter() - started
    missed = [m for m in urgent if not heard[m.text]]
    false_alarms = [m for m in calm if heard[m.text]]
    right_kind = sum(1 for m in urgent if m.category in heard[m.text])
    by_language = Counter(m.language for m in urgent)
    found_by_language = Counter(m.language for m in urgent if heard[m.text])
    return Scores(
        recall=1 - len(missed) / len(urgent),
        false_urgent=len(false_alarms) / len(calm),
        right_kind=right_kind / len(urgent),
        per_second=len(messages) / elapsed if elapsed else float("inf"),
        missed=missed,
        false_alarms=false_alarms,
        recall_by_language={
            lang: found_by_language[lang] / count for lang, count in sorted(by_language.items())
        },
    )


def run(*, quick: bool = False, database_url: str | None = None) -> None:
    """Print recall and false urgent for the lexicon and the keyword baseline."""
    del quick, database_url  # pure matching: no database, and the set is small already
    messages = labelled_set()
    lexicon = shipped_lexicon()
    urgent = sum(1 for m in messages if m.category)
    print(f"{len(messages)} messages, {urgent} urgent, {len(messages) - urgent} not urgent")
    baseline = score(messages, keyword_baseline(lexicon))
    lien = score(messages, lambda text: {s.category for s in lexicon.hear(text)})
    for name, result in (("mots-clés tels quels", baseline), ("lexique Lien", lien)):
        print(
            f"{name:>22} : rappel {result.recall:6.1%}, "
            f"fausses urgences {result.false_urgent:5.1%}, "
            f"bonne catégorie {result.right_kind:6.1%}, {result.per_second:,.0f} messages/s"
        )
    ratio = lien.recall / baseline.recall if baseline.recall else float("inf")
    print(f"rappel : {ratio:.2f} × la référence")
    print(
        "rappel par langue : "
        + ", ".join(f"{k} {v:.0%}" for k, v in lien.recall_by_language.items())
    )
    for message in lien.missed:
        print(f"  manqué ({message.language}, {message.category}) : {message.text}")
    for message in lien.false_alarms:
        print(f"  fausse urgence ({message.language}) : {message.text}")
    met = lien.recall >= RECALL_GOAL and lien.false_urgent <= FALSE_URGENT_GOAL
    verdict = "atteints" if met else "NON atteints"
    print(f"objectifs (rappel ≥ 95 %, fausses urgences ≤ 5 %) : {verdict}")
