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
from bot.matching import MATCH_LIMIT
from bot.triage import NEEDS, Priority, higher_priority
from bot.wordmatch import (
    NUMBER,
    Message,
    Part,
    Term,
    Word,
    WordFinder,
    find,
    fold,
    script_language,
    tokens,
)
from bot.yamlread import describe_errors, read_yaml

LEXICON_FILE: Final = Path(__file__).parent / "texts" / "urgency.yaml"
# Stories can be long: urgency may be said late in them, so look further than choices do.
HEAR_LIMIT = 4 * MATCH_LIMIT


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
    finder: WordFinder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = {
            word
            for category in self.categories
            for term in (*category.terms, *category.unless)
            for part in term.parts
            for phrase in part
            for word in phrase
        }
        object.__setattr__(self, "finder", WordFinder(words))

    def hear(self, text: str) -> list[Signal]:
        """Return every kind of urgency the message speaks of, with the words that said it."""
        said = tokens(text[:HEAR_LIMIT])
        if not said:
            return []
        message = Message([word for word, _raw in said], self.finder)
        script = script_language(text)
        found = []
        for category in self.categories:
            if any(find(term, message, self.window) for term in category.unless):
                continue
            # Arabic, Persian and Pashto share words: the letters used tell which one it is.
            terms = sorted(category.terms, key=lambda term: term.language != script)
            for term in terms:
                span = find(term, message, self.window)
                if span is not None:
                    heard = tuple(dict.fromkeys(said[index][1] for index in sorted(span)))
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
