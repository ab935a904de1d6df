"""What reading a user file gives back: people to import, and what was left out and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from db.errors import InvalidError

FileFormat = Literal["csv", "xlsx"]


class ImportFileError(ValueError, InvalidError):
    """A file that cannot be read as a table of people, with a French message for staff."""


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One person to import; several lines when duplicates were merged."""

    # 1-based line numbers as a spreadsheet or a text editor shows them, first line first.
    lines: tuple[int, ...]
    phone: str | None  # E.164
    first_name: str | None
    last_name: str | None
    language: str | None  # ISO 639-1
    site: str | None
    tags: frozenset[str]
    telegram_chat_id: int | None
    email: str | None
    # Numbers kept on the record that are not SMS contacts: (E.164, kind of line).
    other_phones: tuple[tuple[str, str], ...] = ()
    # Each tag's code and how the file wrote it.
    written_tags: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # Another person of the file owns `phone`: this one is reached through that contact.
    shared_phone: bool = False

    @property
    def line(self) -> int:
        """Return the line this person was first found on."""
        return self.lines[0]


# The slots of ImportRow, written directly: a frozen dataclass's own constructor goes through
# object.__setattr__ for each field, which costs more than reading the line it stands for.
_SET = tuple(getattr(ImportRow, name).__set__ for name in ImportRow.__dataclass_fields__)


def new_import_row(
    lines: tuple[int, ...],
    phone: str | None,
    first_name: str | None,
    last_name: str | None,
    language: str | None,
    site: str | None,
    tags: frozenset[str],
    telegram_chat_id: int | None,
    email: str | None,
    other_phones: tuple[tuple[str, str], ...],
    written_tags: tuple[tuple[str, str], ...],
) -> ImportRow:
    """Return ImportRow(...) with these fields and shared_phone False, built faster."""
    row = object.__new__(ImportRow)
    (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11) = _SET
    s0(row, lines)
    s1(row, phone)
    s2(row, first_name)
    s3(row, last_name)
    s4(row, language)
    s5(row, site)
    s6(row, tags)
    s7(row, telegram_chat_id)
    s8(row, email)
    s9(row, other_phones)
    s10(row, written_tags)
    s11(row, False)
    return row


@dataclass(frozen=True)
class RejectedLine:
    """A line that is not imported, with the reason shown to staff."""

    line: int
    reason: str
    # The line's cells as read, joined by "; ".
    raw: str
    code: str


@dataclass(frozen=True)
class LineWarning:
    """A line imported with a value left out, and why."""

    line: int
    message: str
    code: str


@dataclass(frozen=True)
class MergedLines:
    """Lines found to be the same person, merged into the first one."""

    line: int
    merged_lines: tuple[int, ...]
    # Fields given different values on the merged lines; the first line's value was kept.
    conflicts: tuple[str, ...]


@dataclass(frozen=True)
class SharedPhone:
    """Lines giving one phone number to people with different names, kept apart."""

    line: int
    other_lines: tuple[int, ...]


@dataclass(frozen=True)
class TagSeen:
    """A tag of the file: its code, every way it was written, and how many people carry it."""

    tag: str
    written: tuple[str, ...]
    people: int


@dataclass(frozen=True)
class SheetSeen:
    """A sheet of a workbook, read or not, and why."""

    name: str
    read: bool
    note: str


@dataclass(frozen=True)
class ImportResult:
    """Everything read from a user file, ready to be shown before anything is saved."""

    rows: tuple[ImportRow, ...]
    rejected: tuple[RejectedLine, ...]
    merged: tuple[MergedLines, ...]
    warnings: tuple[LineWarning, ...]
    # (heading as written, field) for each column used, in file order.
    columns: tuple[tuple[str, str], ...]
    ignored_columns: tuple[str, ...]
    header_line: int
    format: FileFormat
    encoding: str | None  # None for a workbook
    delimiter: str | None  # None for a workbook
    sheets: tuple[SheetSeen, ...] = ()
    tags: tuple[TagSeen, ...] = ()
    shared_phones: tuple[SharedPhone, ...] = ()
