"""One person per phone number: lines repeating a number (or a Telegram id) become one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from broadcast.importfile.results import ImportRow, LineWarning, MergedLines
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


@dataclass(frozen=True)
class Deduplicated:
    """The people of a file once duplicates are merged, with what the merge did."""

    rows: tuple[ImportRow, ...]
    merged: tuple[MergedLines, ...]
    warnings: tuple[LineWarning, ...]


@dataclass
class _People:
    """The people found so far, indexed by phone number and by Telegram id."""

    rows: list[ImportRow] = field(default_factory=list)
    conflicts: list[set[str]] = field(default_factory=list)
    by_phone: dict[str, int] = field(default_factory=dict)
    by_telegram: dict[int, int] = field(default_factory=dict)
    warnings: list[LineWarning] = field(default_factory=list)

    def add(self, row: ImportRow) -> None:
        """Add a line as a new person or merge it into the person it repeats."""
        target, row = self._target(row)
        if target is None:
            target = len(self.rows)
            self.rows.append(row)
            self.conflicts.append(set())
        else:
            combined, differing = _combine(self.rows[target], row)
            self.rows[target] = combined
            self.conflicts[target] |= differing
        kept = self.rows[target]
        if kept.phone is not None:
            self.by_phone[kept.phone] = target
        if kept.telegram_chat_id is not None:
            self.by_telegram.setdefault(kept.telegram_chat_id, target)

    def _target(self, row: ImportRow) -> tuple[int | None, ImportRow]:
        """Return the person a line repeats, if any, and the line as it can be merged."""
        target = self.by_phone.get(row.phone) if row.phone is not None else None
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
            conflicts=tuple(name for name in _SINGLE_FIELDS if name in conflicts),
        )
        for row, conflicts in zip(people.rows, people.conflicts, strict=True)
        if len(row.lines) > 1
    )
    return Deduplicated(rows=tuple(people.rows), merged=merged, warnings=tuple(people.warnings))


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
