"""One line of a user file: a person to import, or a line left out with its reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from broadcast.importfile.columns import ColumnLayout, normalize_heading
from broadcast.importfile.phones import read_phones
from broadcast.importfile.results import ImportRow, LineWarning, RejectedLine, new_import_row
from broadcast.importfile.sheet import SheetRow
from broadcast.importfile.texts import import_message
from broadcast.importfile.values import (
    clean_text,
    parse_email,
    parse_language,
    parse_tags,
    parse_telegram_chat_id,
)

LineOutcome = tuple[ImportRow | RejectedLine, tuple[LineWarning, ...]]
# What a tag cell gives: its folded codes, and each code with how it was written.
_Tags = tuple[frozenset[str], tuple[tuple[str, str], ...]]
# What the phone cells of a line give: the SMS number, the other numbers kept with their kind,
# the warnings to note (code, value), the unreadable parts joined, and whether a number was read.
_Phones = tuple[str | None, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], str, bool]


class LineReader:
    """Reads the lines of one sheet, its columns found once for the whole file.

    A file repeats the same names, sites, languages and tags on many lines: each distinct cell
    is read once, and the lines that repeat it reuse the result.
    """

    def __init__(self, layout: ColumnLayout, *, region: str) -> None:
        fields = layout.fields
        self._region = region
        self._phone = fields.get("phone", ())
        self._telegram = fields.get("telegram_chat_id", ())
        self._first_name = fields.get("first_name", ())
        self._last_name = fields.get("last_name", ())
        self._language = fields.get("language", ())
        self._site = fields.get("site", ())
        self._tag_columns = fields.get("tags", ())
        self._email = fields.get("email", ())
        self._width = 1 + max((i for indexes in fields.values() for i in indexes), default=-1)
        self._texts: dict[str, str | None] = {}
        self._languages = _Parsed(parse_language)
        self._emails = _Parsed(parse_email)
        self._tags: dict[str, _Tags] = {}
        self._phones: dict[tuple[str, ...], _Phones] = {}
        self._phone_cell: dict[str, _Phones] = {}  # the usual single phone column
        self._messages: dict[tuple[str, str], str] = {}

    def read(self, row: SheetRow) -> LineOutcome:
        """Return the person on a line with the values left out, or the line's rejection."""
        if _is_total(row):
            return _rejected(row, "total_line"), ()
        cells = row.cells
        if len(cells) < self._width:
            cells = cells + ("",) * (self._width - len(cells))
        phone, other_phones, notes, invalid, has_number = self._read_phones(cells)
        telegram_text = _first(cells, self._telegram)
        telegram_chat_id = parse_telegram_chat_id(telegram_text) if telegram_text else None
        if not has_number and invalid and telegram_chat_id is None:
            return _rejected(row, "invalid_phone", value=invalid), ()
        warnings = [self._warning(row, code, value) for code, value in notes]
        if telegram_text and telegram_chat_id is None:
            if not has_number:
                return _rejected(row, "invalid_telegram", value=telegram_text), ()
            warnings.append(self._warning(row, "invalid_telegram_ignored", telegram_text))
        if not has_number and telegram_chat_id is None:
            return _rejected(row, "no_contact"), ()
        tags, written_tags = self._read_tags(cells)
        person = new_import_row(
            (row.line,),
            phone,
            self._text(cells, self._first_name),
            self._text(cells, self._last_name),
            self._languages.read(row, cells, self._language, "unknown_language", warnings),
            self._text(cells, self._site),
            tags,
            telegram_chat_id,
            self._emails.read(row, cells, self._email, "invalid_email", warnings),
            other_phones,
            written_tags,
        )
        return person, tuple(warnings) if warnings else ()

    def _read_phones(self, cells: Sequence[str]) -> _Phones:
        # Read once per distinct set of phone cells: a number repeated on many lines is common.
        if len(self._phone) == 1:
            cell = cells[self._phone[0]]
            found = self._phone_cell.get(cell)
            if found is None:
                written = cell.strip()
                found = self._phone_cell[cell] = self._phones_of((written,) if written else ())
            return found
        key = tuple(_all(cells, self._phone))
        found = self._phones.get(key)
        if found is None:
            found = self._phones[key] = self._phones_of(key)
        return found

    def _phones_of(self, written: tuple[str, ...]) -> _Phones:
        sms, other, invalid = read_phones(written, region=self._region)
        if len(sms) == 1 and not other and not invalid:
            return sms[0].number, (), (), "", True  # the usual cell: one mobile number
        kept = (*sms[1:], *other)
        notes = (
            *(("invalid_phone_ignored", text) for text in invalid),
            *(("second_mobile" if n.takes_sms else f"not_sms_{n.kind}", n.written) for n in kept),
        )
        return (
            sms[0].number if sms else None,
            tuple((n.number, n.kind) for n in kept),
            notes,
            " / ".join(invalid),
            bool(sms or other),
        )

    def _warning(self, row: SheetRow, code: str, value: str) -> LineWarning:
        # The message names the value, not the line: the same one is written once.
        message = self._messages.get((code, value))
        if message is None:
            message = self._messages[code, value] = import_message(code, value=value)
        return LineWarning(line=row.line, message=message, code=code)

    def _text(self, cells: Sequence[str], indexes: Sequence[int]) -> str | None:
        # The first column holding text wins; an empty or blank cell tidies to None.
        for index in indexes:
            cell = cells[index]
            text = self._texts.get(cell, "")
            if text == "":
                text = self._texts[cell] = clean_text(cell)
            if text is not None:
                return text
        return None

    def _read_tags(self, cells: Sequence[str]) -> _Tags:
        if len(self._tag_columns) == 1:
            return self._tags_of(cells[self._tag_columns[0]])
        # A tag in several columns keeps how its last column wrote it.
        written = {
            code: text
            for index in self._tag_columns
            for code, text in self._tags_of(cells[index])[1]
        }
        return frozenset(written), tuple(written.items())

    def _tags_of(self, cell: str) -> _Tags:
        found = self._tags.get(cell)
        if found is None:
            written = parse_tags(cell)
            found = self._tags[cell] = (frozenset(written), tuple(written.items()))
        return found


class _Parsed:
    """A field read through a pure parser, once per distinct cell."""

    def __init__(self, parse: Callable[[str], str | None]) -> None:
        self._parse = parse
        self._values: dict[str, tuple[str, str | None]] = {}

    def read(
        self,
        row: SheetRow,
        cells: Sequence[str],
        indexes: Sequence[int],
        warning_code: str,
        warnings: list[LineWarning],
    ) -> str | None:
        """Return the first written value parsed, noting a warning when it is unusable."""
        for index in indexes:
            cell = cells[index]
            found = self._values.get(cell)
            if found is None:
                text = cell.strip()
                found = self._values[cell] = (text, self._parse(text) if text else None)
            text, value = found
            if text:
                if value is None:
                    warnings.append(_warning(row, warning_code, value=text))
                return value
        return None


def _all(cells: Sequence[str], indexes: Sequence[int]) -> list[str]:
    """Return the non-blank cells of the given columns, stripped."""
    return [text for index in indexes if (text := cells[index].strip())]


def _first(cells: Sequence[str], indexes: Sequence[int]) -> str:
    """Return the first non-blank cell of the given columns, stripped, or an empty text."""
    for index in indexes:
        text = cells[index].strip()
        if text:
            return text
    return ""


def _is_total(row: SheetRow) -> bool:
    for cell in row.cells:
        first = cell.lstrip()
        if first:
            break
    else:
        return False
    if first[:1] not in ("T", "t", "S", "s"):
        return False
    return normalize_heading(first).startswith(("total", "sous total", "soustotal"))


def _rejected(row: SheetRow, code: str, *, value: str = "") -> RejectedLine:
    cells = list(row.cells)
    while cells and not cells[-1].strip():
        cells.pop()
    raw = "; ".join(cell.strip() for cell in cells)
    return RejectedLine(line=row.line, reason=import_message(code, value=value), raw=raw, code=code)


def _warning(row: SheetRow, code: str, *, value: str) -> LineWarning:
    return LineWarning(line=row.line, message=import_message(code, value=value), code=code)
