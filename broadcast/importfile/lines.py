"""One line of a user file: a person to import, or a line left out with its reason."""

from __future__ import annotations

from collections.abc import Callable

from broadcast.importfile.columns import ColumnLayout, normalize_heading
from broadcast.importfile.phones import read_phones
from broadcast.importfile.results import ImportRow, LineWarning, RejectedLine
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


def read_line(row: SheetRow, *, layout: ColumnLayout, region: str) -> LineOutcome:
    """Return the person on a line with the values left out, or the line's rejection."""
    cells = _CellReader(row, layout)
    if _is_total(row):
        return _rejected(row, "total_line"), ()
    phones = read_phones(cells.all("phone"), region=region)
    warnings: list[LineWarning] = []
    telegram_text = cells.first("telegram_chat_id")
    telegram_chat_id = parse_telegram_chat_id(telegram_text) if telegram_text else None
    if not phones.numbers and phones.invalid and telegram_chat_id is None:
        return _rejected(row, "invalid_phone", value=" / ".join(phones.invalid)), ()
    warnings += [_warning(row, "invalid_phone_ignored", value=text) for text in phones.invalid]
    sms = phones.sms
    phone = sms[0].number if sms else None
    kept = [*sms[1:], *phones.other]
    for number in kept:
        code = "second_mobile" if number.takes_sms else f"not_sms_{number.kind}"
        warnings.append(_warning(row, code, value=number.written))
    if telegram_text and telegram_chat_id is None:
        if not phones.numbers:
            return _rejected(row, "invalid_telegram", value=telegram_text), ()
        warnings.append(_warning(row, "invalid_telegram_ignored", value=telegram_text))
    if not phones.numbers and telegram_chat_id is None:
        return _rejected(row, "no_contact"), ()
    written_tags = {
        code: text for cell in cells.all("tags") for code, text in parse_tags(cell).items()
    }
    person = ImportRow(
        lines=(row.line,),
        phone=phone,
        first_name=clean_text(cells.first("first_name")),
        last_name=clean_text(cells.first("last_name")),
        language=cells.parsed("language", parse_language, "unknown_language", warnings),
        site=clean_text(cells.first("site")),
        tags=frozenset(written_tags),
        telegram_chat_id=telegram_chat_id,
        email=cells.parsed("email", parse_email, "invalid_email", warnings),
        other_phones=tuple((n.number, n.kind) for n in kept),
        written_tags=tuple(written_tags.items()),
    )
    return person, tuple(warnings)


class _CellReader:
    """The cells of one line, looked up by field."""

    def __init__(self, row: SheetRow, layout: ColumnLayout) -> None:
        self._row = row
        self._layout = layout

    def all(self, field: str) -> list[str]:
        """Return the non-blank cells of every column holding a field, stripped."""
        cells = self._row.cells
        indexes = self._layout.fields.get(field, ())
        texts = (cells[index].strip() if index < len(cells) else "" for index in indexes)
        return [text for text in texts if text]

    def first(self, field: str) -> str:
        """Return the first non-blank cell holding a field, or an empty text."""
        return next(iter(self.all(field)), "")

    def parsed(
        self,
        field: str,
        parse: Callable[[str], str | None],
        warning_code: str,
        warnings: list[LineWarning],
    ) -> str | None:
        """Return a field's parsed value, noting a warning when a written value is unusable."""
        text = self.first(field)
        if not text:
            return None
        value = parse(text)
        if value is None:
            warnings.append(_warning(self._row, warning_code, value=text))
        return value


def _is_total(row: SheetRow) -> bool:
    first = next((cell for cell in row.cells if cell.strip()), "").lstrip()
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
