"""One person per phone number: lines repeating a number (or a Telegram id) become one."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import TypeVar

from broadcast.importfile.results import ImportRow, LineWarning, MergedLines, SharedPhone
from broadcast.importfile.texts import import_message

T = TypeVar("T")

# The first line's value wins; these are compared to report conflicts, in this order.
_SINGLE_FIELDS = (
    "phone",
    "first_name",
    "last_name",
    "language",
    "site",
    "telegram_chat_id",
    "email",
)
# Names this close are one person spelled two ways ("Mohamed"/"Mohammed"), not two people.
SAME_NAME_RATIO = 0.8


@dataclass(frozen=True)
class Deduplicated:
    """The people of a file once duplicates are merged, with what the merge did."""

    rows: tuple[ImportRow, ...]
    merged: tuple[MergedLines, ...]
    warnings: tuple[LineWarning, ...]
    shared: tuple[SharedPhone, ...] = ()


@dataclass
class _People:
    """The people found so far, indexed by phone number and by Telegram id."""

    rows: list[ImportRow] = field(default_factory=list)
    # The fields given different values, for each person merged from several lines.
    conflicts: dict[int, set[str]] = field(default_factory=dict)
    by_phone: dict[str, int] = field(default_factory=dict)
    by_telegram: dict[int, int] = field(default_factory=dict)
    warnings: list[LineWarning] = field(default_factory=list)
    shared: dict[int, list[int]] = field(default_factory=dict)

    def add(self, row: ImportRow) -> None:
        """Add a line as a new person or merge it into the person it repeats."""
        target, row = self._target(row)
        if target is not None and not self._same(target, row):
            # A family sharing one phone: separate people, reached through the first one's number.
            owner = self.rows[target]
            self.shared.setdefault(owner.line, []).append(row.line)
            self.warnings.append(
                LineWarning(
                    line=row.line,
                    message=import_message("shared_phone", line=owner.line),
                    code="shared_phone",
                )
            )
            self.rows.append(replace(row, shared_phone=True, telegram_chat_id=None))
            return
        if target is None:
            target = len(self.rows)
            self.rows.append(row)
        else:
            combined, differing = _combine(self.rows[target], row)
            self.rows[target] = combined
            self.conflicts.setdefault(target, set()).update(differing)
        kept = self.rows[target]
        key = phone_key(kept)
        if key is not None:
            self.by_phone.setdefault(key, target)
        if kept.telegram_chat_id is not None:
            self.by_telegram.setdefault(kept.telegram_chat_id, target)

    def _same(self, target: int, row: ImportRow) -> bool:
        """Tell whether a line is the person it shares a number or a Telegram account with."""
        kept = self.rows[target]
        if row.telegram_chat_id is not None and kept.telegram_chat_id == row.telegram_chat_id:
            return True
        return same_person(kept, row)

    def _target(self, row: ImportRow) -> tuple[int | None, ImportRow]:
        """Return the person a line repeats, if any, and the line as it can be merged."""
        key = phone_key(row)
        target = self.by_phone.get(key) if key is not None else None
        chat_id = row.telegram_chat_id
        owner = self.by_telegram.get(chat_id) if chat_id is not None else None
        if owner is None:
            return target, row
        if target is None and (row.phone is None or self.rows[owner].phone is None):
            return owner, row
        if owner != target:
            # One Telegram account cannot belong to two numbers: the first line keeps it.
            self.warnings.append(
                LineWarning(
                    line=row.line,
                    message=import_message(
                        "telegram_taken", value=chat_id, line=self.rows[owner].line
                    ),
                    code="telegram_taken",
                )
            )
            row = replace(row, telegram_chat_id=None)
        return target, row


def merge_duplicates(rows: Sequence[ImportRow]) -> Deduplicated:
    """Merge lines with the same phone number, or the same Telegram id when there is no number."""
    people = _People()
    for row in rows:
        people.add(row)
    merged = tuple(
        MergedLines(
            line=row.lines[0],
            merged_lines=row.lines[1:],
            conflicts=tuple(
                name for name in _SINGLE_FIELDS if name in people.conflicts.get(index, ())
            ),
        )
        for index, row in enumerate(people.rows)
        if len(row.lines) > 1
    )
    shared = tuple(SharedPhone(line, tuple(lines)) for line, lines in people.shared.items())
    return Deduplicated(
        rows=tuple(people.rows), merged=merged, warnings=tuple(people.warnings), shared=shared
    )


def phone_key(row: ImportRow) -> str | None:
    """Return the number a line is known by: its SMS number, else its first other number."""
    if row.phone is not None:
        return row.phone
    return row.other_phones[0][0] if row.other_phones else None


def same_person(first: ImportRow, other: ImportRow) -> bool:
    """Tell whether two lines with one number name the same person (or do not say)."""
    return names_match(
        fold_name(first.first_name, first.last_name), fold_name(other.first_name, other.last_name)
    )


def names_match(first: str, other: str) -> bool:
    """Tell whether two folded names are one person's, counting a missing name as a match.

    Each word of the shorter name must be close to a word of the other: "Mohamed Diallo" is
    "Mohammed DIALLO", "Dupont" is "Jean Dupont", but "Amina Michel" is not "Nadia Michel".
    """
    if not first or not other:
        return True
    words, other_words = first.split(), other.split()
    if len(words) > len(other_words):
        words, other_words = other_words, words
    return all(any(_close(w, o) for o in other_words) for w in words)


def _close(word: str, other: str) -> bool:
    if len(word) == 1 or len(other) == 1:
        return other.startswith(word) or word.startswith(other)  # an initial
    return word == other or SequenceMatcher(None, word, other).ratio() >= SAME_NAME_RATIO


def fold_name(*parts: str | None) -> str:
    """Return a name without case, accents or punctuation, for comparing spellings."""
    text = " ".join(p for p in parts if p).casefold()
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in bare).split())


def _combine(kept: ImportRow, extra: ImportRow) -> tuple[ImportRow, set[str]]:
    differing = {
        name for name in _SINGLE_FIELDS if _conflicting(getattr(kept, name), getattr(extra, name))
    }
    combined = ImportRow(
        lines=kept.lines + extra.lines,
        phone=_first(kept.phone, extra.phone),
        first_name=_first(kept.first_name, extra.first_name),
        last_name=_first(kept.last_name, extra.last_name),
        language=_first(kept.language, extra.language),
        site=_first(kept.site, extra.site),
        tags=kept.tags | extra.tags,
        telegram_chat_id=_first(kept.telegram_chat_id, extra.telegram_chat_id),
        email=_first(kept.email, extra.email),
        other_phones=tuple(dict.fromkeys((*kept.other_phones, *extra.other_phones))),
        written_tags=tuple(dict.fromkeys((*kept.written_tags, *extra.written_tags))),
    )
    return combined, differing


def _first(kept: T | None, extra: T | None) -> T | None:
    return extra if kept is None else kept


def _conflicting(first: object, other: object) -> bool:
    if first is None or other is None:
        return False
    if isinstance(first, str) and isinstance(other, str):
        return first.casefold() != other.casefold()
    return first != other
