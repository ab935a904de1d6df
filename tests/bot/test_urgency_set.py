"""The shipped labelled set: big enough, every language, and the lexicon meets its goals on it."""

from __future__ import annotations

from collections import Counter

from bench.bench_urgency import (
    FALSE_URGENT_GOAL,
    RECALL_GOAL,
    keyword_baseline,
    labelled_set,
    score,
)
from bot.urgency import shipped_lexicon


def test_the_set_holds_300_messages_in_six_languages_with_every_category() -> None:
    messages = labelled_set()
    assert len(messages) >= 300
    assert set(Counter(m.language for m in messages)) == {"fr", "en", "ar", "ti", "fa", "ps"}
    lexicon = shipped_lexicon()
    for language in ("fr", "en", "ar", "ti", "fa", "ps"):
        kinds = {m.category for m in messages if m.language == language}
        assert kinds == {"", *(c.id for c in lexicon.categories)}, language


def test_the_lexicon_meets_its_goals_and_beats_plain_keywords() -> None:
    messages = labelled_set()
    lexicon = shipped_lexicon()
    lien = score(messages, lambda text: {s.category for s in lexicon.hear(text)})
    baseline = score(messages, keyword_baseline(lexicon))
    assert lien.recall >= RECALL_GOAL, [m.text for m in lien.missed]
    assert lien.false_urgent <= FALSE_URGENT_GOAL, [m.text for m in lien.false_alarms]
    assert lien.recall > baseline.recall
