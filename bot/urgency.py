"""Hear urgency in a person's own words: a lexicon per language, matched on folded text.

The lexicon is data (`bot/texts/urgency.yaml`, or `LIEN_URGENCY_FILE`). A term is either a phrase
("a la rue", words in a row) or a list of parts that must all appear close together
(`[dors|dormir, dehors|rue]`); `|` separates alternatives, a word ending in `*` matches any
word it begins ("frapp*") and `#` any number ("48h", "12/03"). Words of five letters or more
in Latin letters also match with one typo, nine or more with two, the way choices are matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.localize import Text, pick
from bot.matching import MATCH_LIMIT, edit_distance, words
from bot.triage import NEEDS, Priority, higher_priority
from bot.yamlread import describe_errors, read_yaml

LEXICON_FILE: Final = Path(__file__).parent / "texts" / "urgency.yaml"
# (first letter of a series, first letter of its twin, letters in the series): ሐ/ሀ, ኀ/ሀ, ሠ/ሰ,
# ፀ/ጸ, ዐ/አ, ቐ/ቀ, ኸ/ከ.
_ETHIOPIC_TWINS = (
    (0x1210, 0x1200, 8),
    (0x1280, 0x1200, 8),
    (0x1220, 0x1230, 8),
    (0x1340, 0x1338, 8),
    (0x12D0, 0x12A0, 8),
    (0x1250, 0x1240, 7),
    (0x12B8, 0x12A8, 7),
)
# Spellings of one letter on Arabic, Persian and Pashto keyboards, beyond those choices fold.
_LETTERS = str.maketrans(
    {
        **{"ؤ": "و", "ئ": "ي", "ې": "ي", "ۍ": "ي", "ۀ": "ه", "ء": None},
        # Pashto letters people without a Pashto keyboard write with Persian ones.
        **{"ټ": "ت", "ډ": "د", "ړ": "ر", "ڼ": "ن", "ښ": "ش", "ږ": "ژ", "ګ": "گ", "ځ": "ز"},
        # Ethiopic letters Tigrinya writers mix up: each series read as its common twin.
        **{
            chr(twin + order): chr(common + order)
            for twin, common, orders in _ETHIOPIC_TWINS
            for order in range(orders)
        },
    }
)
_PASHTO_LETTERS = frozenset("ټډړښږګځڅڼېۍ")
_PERSIAN_LETTERS = frozenset("پچژگیک")
# Stories can be long: urgency may be said late in them, so look further than choices do.
HEAR_LIMIT = 4 * MATCH_LIMIT
# In a term, a word that is any number: a date, an hour, "48h".
NUMBER = "#"


class LexiconError(ValueError):
    """A lexicon file that cannot be used; the message names the file, entry and reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class CategorySpec(BaseModel):
    """One kind of urgency as written in the lexicon file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Text
    priority: Priority
    need: str | None = None
    answer: str | None = None
    terms: dict[str, list[str | list[str]]]
    unless: dict[str, list[str | list[str]]] = {}


class LexiconSpec(BaseModel):
    """The lexicon file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window: int = Field(8, ge=1, le=40)
    categories: dict[str, CategorySpec]
    answers: dict[str, Text] = {}


# One word of a term, folded: (text, is_prefix).
Word = tuple[str, bool]
# Alternatives of one part; each alternative is words in a row.
Part = tuple[tuple[Word, ...], ...]


@dataclass(frozen=True)
class Term:
    """Parts that must all be heard within the window, in one language."""

    language: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Category:
    id: str
    label: Text
    priority: Priority
    need: str | None
    answer: str | None
    terms: tuple[Term, ...]
    unless: tuple[Term, ...]


@dataclass(frozen=True)
class Signal:
    """A kind of urgency heard in a message: which, in which language, through which words."""

    category: str
    language: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """The categories of urgency, their terms per language and the answers they call for."""

    categories: tuple[Category, ...]
    answers: dict[str, Text]
    window: int
    finder: _WordFinder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = {
            word
            for category in self.categories
            for term in (*category.terms, *category.unless)
            for part in term.parts
            for phrase in part
            for word in phrase
        }
        object.__setattr__(self, "finder", _WordFinder(words))

    def hear(self, text: str) -> list[Signal]:
        """Return every kind of urgency the message speaks of, with the words that said it."""
        tokens = _tokens(text[:HEAR_LIMIT])
        if not tokens:
            return []
        message = _Message([word for word, _raw in tokens], self.finder)
        script = script_language(text)
        found = []
        for category in self.categories:
            if any(_find(term, message, self.window) for term in category.unless):
                continue
            # Arabic, Persian and Pashto share words: the letters used tell which one it is.
            terms = sorted(category.terms, key=lambda term: term.language != script)
            for term in terms:
                span = _find(term, message, self.window)
                if span is not None:
                    heard = tuple(dict.fromkeys(tokens[index][1] for index in sorted(span)))
                    found.append(Signal(category.id, term.language, heard))
                    break
        return found

    def category(self, category_id: str) -> Category | None:
        """Return a category by its id."""
        return next((c for c in self.categories if c.id == category_id), None)

    def priority_of(self, signals: list[Signal]) -> Priority:
        """Return the priority the signals call for together."""
        priority: Priority = "normal"
        for signal in signals:
            category = self.category(signal.category)
            if category is not None:
                priority = higher_priority(priority, category.priority)
        return priority

    def answer_for(self, signals: list[Signal], lang: str | None) -> str | None:
        """Return the emergency numbers to send at once, in the person's language, if any."""
        keys = []
        for signal in signals:
            category = self.category(signal.category)
            if category is not None and category.answer and category.answer not in keys:
                keys.append(category.answer)
        texts = [pick(self.answers[key], lang) for key in keys]
        return "\n".join(texts) if texts else None

    def need_of(self, signals: Sequence[Signal]) -> str | None:
        """Return the need the first signal that implies one points to (shelter, health…)."""
        for signal in signals:
            category = self.category(signal.category)
            if category is not None and category.need:
                return category.need
        return None

    def label(self, category_id: str) -> str:
        """Return the French name staff read for a category."""
        category = self.category(category_id)
        return pick(category.label, "fr") if category else category_id


def script_language(text: str) -> str | None:
    """Guess the language from letters only one of them uses; None for Latin letters."""
    letters = set(text)
    if letters & _PASHTO_LETTERS:
        return "ps"
    if letters & _PERSIAN_LETTERS:
        return "fa"
    if any("\u0600" <= char <= "\u06ff" for char in letters):
        return "ar"
    if any("\u1200" <= char <= "\u139f" for char in letters):
        return "ti"
    return None


def fold(text: str) -> list[str]:
    """Return the comparable words of a text, with letter variants of every script folded."""
    return [word for word in words(text.translate(_LETTERS)) if word]


def _tokens(text: str) -> list[tuple[str, str]]:
    """Return (folded word, word as written) pairs, so staff read the person's own spelling."""
    found = []
    for raw in text.split():
        for word in fold(raw):
            found.append((word, raw.strip(".,;:!?()«»\"'")))
    return found


class _WordFinder:
    """Every word of the lexicon, indexed so that a message's words find theirs quickly.

    Typos are found through deletions (a word and a typo of it share a form with a letter or
    two deleted), so a message is compared with a handful of candidates, not the whole lexicon.
    """

    def __init__(self, words: set[Word]) -> None:
        self.exact: dict[str, set[Word]] = {}
        self.prefixes: list[Word] = []
        self.deletions: dict[str, set[Word]] = {}
        for word in words:
            text, prefix = word
            if prefix:
                self.prefixes.append(word)
                continue
            self.exact.setdefault(text, set()).add(word)
            for deleted in _deletions(text, _typos_allowed(text)):
                self.deletions.setdefault(deleted, set()).add(word)

    def matches(self, token: str) -> set[Word]:
        """Return the lexicon words this word of a message counts as."""
        found = set(self.exact.get(token, ()))
        found.update(word for word in self.prefixes if token.startswith(word[0]))
        if token[:1].isdigit():
            found.add((NUMBER, False))
        if token.isascii():
            for deleted in _deletions(token, 2):
                for word in self.deletions.get(deleted, ()):
                    if word not in found and _same(token, word):
                        found.add(word)
        return found


def _deletions(text: str, depth: int) -> set[str]:
    """Return the text with up to `depth` letters deleted, the text itself included."""
    found = {text}
    layer = {text}
    for _ in range(depth):
        layer = {word[:i] + word[i + 1 :] for word in layer for i in range(len(word))}
        found |= layer
    return found


class _Message:
    """The folded words of one message, with where each lexicon word was found in them."""

    def __init__(self, folded: list[str], finder: _WordFinder) -> None:
        self._where: dict[Word, set[int]] = {}
        for position, token in enumerate(folded):
            for word in finder.matches(token):
                self._where.setdefault(word, set()).add(position)

    def positions(self, expected: Word) -> set[int]:
        """Return where a lexicon word appears in the message."""
        return self._where.get(expected, _NOWHERE)

    def has_any(self, part: Part) -> bool:
        """Tell whether any alternative of a part begins somewhere in the message."""
        return any(phrase[0] in self._where for phrase in part)


_NOWHERE: set[int] = set()


def _find(term: Term, message: _Message, window: int) -> set[int] | None:
    """Return the positions of a term's words in the message, all parts within the window."""
    if not all(message.has_any(part) for part in term.parts):
        return None
    hits = []
    for part in term.parts:
        positions = _part_hits(part, message)
        if not positions:
            return None
        hits.append(positions)
    first, *others = hits
    for start, span in first:
        chosen = set(span)
        for positions in others:
            near = [s for p, s in positions if abs(p - start) <= window]
            if not near:
                break
            chosen.update(near[0])
        else:
            return chosen
    return None


def _part_hits(part: Part, message: _Message) -> list[tuple[int, tuple[int, ...]]]:
    """Return where each alternative of a part appears: its start and its positions."""
    hits = []
    for phrase in part:
        for start in sorted(message.positions(phrase[0])):
            span = tuple(range(start, start + len(phrase)))
            if all(span[i] in message.positions(phrase[i]) for i in range(1, len(phrase))):
                hits.append((start, span))
    return hits


def _same(word: str, expected: Word) -> bool:
    text, prefix = expected
    if text == NUMBER:
        return word[:1].isdigit()
    if prefix:
        return word.startswith(text)
    if word == text:
        return True
    allowed = _typos_allowed(text)
    if allowed == 0 or abs(len(word) - len(text)) > allowed:
        return False
    # Each typo changes at most two letters of the set: a cheap test before the full distance.
    if len(set(word) ^ set(text)) > 2 * allowed:
        return False
    return edit_distance(word, text, limit=allowed) <= allowed


def _typos_allowed(text: str) -> int:
    if not text.isascii():
        # Arabic-script and Ethiopic verbs are short and differ by one letter ("he hits",
        # "he kills", "they do"): their variants are folded instead, never guessed.
        return 0
    return 2 if len(text) >= 9 else 1 if len(text) >= 5 else 0


def _compile(language: str, raw: str | list[str]) -> Term:
    parts = [raw] if isinstance(raw, str) else raw
    return Term(language, tuple(_part(part) for part in parts))


def _part(raw: str) -> Part:
    return tuple(_phrase(alternative, raw) for alternative in raw.split("|"))


def _phrase(alternative: str, raw: str) -> tuple[Word, ...]:
    found: list[Word] = []
    for chunk in alternative.split():
        if chunk == NUMBER:
            found.append((NUMBER, False))
            continue
        folded = fold(chunk.rstrip("*"))
        found += [(word, False) for word in folded]
        if chunk.endswith("*") and folded:
            found[-1] = (folded[-1], True)
    if not found:
        raise ValueError(f'"{raw}" has an empty alternative')
    return tuple(found)


def lexicon_from(spec: LexiconSpec) -> Lexicon:
    """Return the usable lexicon of a checked file; raise ValueError on an unknown answer."""
    categories = []
    for category_id, item in spec.categories.items():
        if item.need is not None and item.need not in NEEDS:
            raise ValueError(f'category "{category_id}": unknown need "{item.need}"')
        if item.answer is not None and item.answer not in spec.answers:
            raise ValueError(f'category "{category_id}": no answer "{item.answer}"')
        terms = tuple(_compile(lang, raw) for lang, raws in item.terms.items() for raw in raws)
        unless = tuple(_compile(lang, raw) for lang, raws in item.unless.items() for raw in raws)
        categories.append(
            Category(category_id, item.label, item.priority, item.need, item.answer, terms, unless)
        )
    for key, text in spec.answers.items():
        if "fr" not in text:
            raise ValueError(f'answer "{key}" has no French text')
    return Lexicon(tuple(categories), dict(spec.answers), spec.window)


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """Read and check a lexicon file; raise LexiconError naming what is wrong."""
    try:
        raw = read_yaml(path)
        return lexicon_from(LexiconSpec.model_validate(raw))
    except ValidationError as exc:
        raise LexiconError([f"{path.name}: {line}" for line in describe_errors(exc, raw)]) from exc
    except ValueError as exc:
        raise LexiconError([f"{path.name}: {exc}"]) from exc


@cache
def shipped_lexicon() -> Lexicon:
    """Return the lexicon shipped with Lien."""
    return load_lexicon()
