"""Folded words and where a lexicon's terms appear among them, quickly."""

from __future__ import annotations

from dataclasses import dataclass

from bot.matching import edit_distance, words

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

# In a term, a word that is any number: a date, an hour, "48h".
NUMBER = "#"


# One word of a term, folded: (text, is_prefix).
Word = tuple[str, bool]
# Alternatives of one part; each alternative is words in a row.
Part = tuple[tuple[Word, ...], ...]


@dataclass(frozen=True)
class Term:
    """Parts that must all be heard within the window, in one language."""

    language: str
    parts: tuple[Part, ...]


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


def tokens(text: str) -> list[tuple[str, str]]:
    """Return (folded word, word as written) pairs, so staff read the person's own spelling."""
    found = []
    for raw in text.split():
        for word in fold(raw):
            found.append((word, raw.strip(".,;:!?()«»\"'")))
    return found


class WordFinder:
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
            for deleted in _deletions(text, typos_allowed(text)):
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


class Message:
    """The folded words of one message, with where each lexicon word was found in them."""

    def __init__(self, folded: list[str], finder: WordFinder) -> None:
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


def find(term: Term, message: Message, window: int) -> set[int] | None:
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


def _part_hits(part: Part, message: Message) -> list[tuple[int, tuple[int, ...]]]:
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
    allowed = typos_allowed(text)
    if allowed == 0 or abs(len(word) - len(text)) > allowed:
        return False
    # Each typo changes at most two letters of the set: a cheap test before the full distance.
    if len(set(word) ^ set(text)) > 2 * allowed:
        return False
    return edit_distance(word, text, limit=allowed) <= allowed


def typos_allowed(text: str) -> int:
    if not text.isascii():
        # Arabic-script and Ethiopic verbs are short and differ by one letter ("he hits",
        # "he kills", "they do"): their variants are folded instead, never guessed.
        return 0
    return 2 if len(text) >= 9 else 1 if len(text) >= 5 else 0
