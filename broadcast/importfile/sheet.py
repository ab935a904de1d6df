"""Turn the bytes of a CSV file or an Excel workbook into numbered rows of cell texts."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from itertools import count
from pathlib import PurePath
from typing import NamedTuple

import openpyxl

from broadcast.importfile.results import FileFormat, ImportFileError
from broadcast.importfile.texts import import_message

DELIMITERS = (";", ",", "\t", "|")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls and other binary Office files
_UNSUPPORTED_ZIP_SUFFIXES = frozenset({".ods", ".numbers", ".docx", ".zip"})
# Excel writes this first line when asked to keep the delimiter with the file.
_SEP_HINT = re.compile(r"\Asep=(.)\r?\n", re.IGNORECASE)
_SNIFF_LINES = 50
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")


class SheetRow(NamedTuple):
    """The cells of one row, numbered as a spreadsheet or a text editor shows it."""

    # A named tuple rather than a dataclass: one is built for every row of a file.
    line: int
    cells: tuple[str, ...]


# SheetRow from a (line, cells) pair, as SheetRow._make does, without a Python call per row.
_new_row = partial(tuple.__new__, SheetRow)


@dataclass(frozen=True)
class FilledCells:
    """Merged cells over several lines, whose value was copied to every line they cover."""

    cells: str  # as Excel names them, "E10:E14"
    first_line: int
    last_line: int
    value: str


@dataclass(frozen=True)
class Sheet:
    """The rows of a file, with how it was read."""

    rows: tuple[SheetRow, ...]
    format: FileFormat
    encoding: str | None
    delimiter: str | None
    name: str | None = None  # a workbook's sheet
    filled: tuple[FilledCells, ...] = field(default=())


def read_sheets(data: bytes, *, filename: str) -> tuple[Sheet, ...]:
    """Read a CSV file or every sheet of a workbook; raise ImportFileError if unreadable."""
    if data.startswith(_ZIP_MAGIC) and PurePath(filename).suffix.lower() not in (
        _UNSUPPORTED_ZIP_SUFFIXES
    ):
        return _read_workbook(data, filename=filename)
    return (read_sheet(data, filename=filename),)


def read_sheet(data: bytes, *, filename: str) -> Sheet:
    """Read a CSV file or the first sheet of a workbook; raise ImportFileError if unreadable."""
    if not data.strip():
        raise ImportFileError(import_message("empty_file", filename=filename))
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(_OLE_MAGIC) or (
        data.startswith(_ZIP_MAGIC) and suffix in _UNSUPPORTED_ZIP_SUFFIXES
    ):
        raise ImportFileError(import_message("unsupported_format", filename=filename))
    if data.startswith(_ZIP_MAGIC):
        return _read_workbook(data, filename=filename)[0]
    return _read_csv(data, filename=filename)


def _read_workbook(data: bytes, *, filename: str) -> tuple[Sheet, ...]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure of the parser on an untrusted file means unreadable
        raise ImportFileError(import_message("unreadable_workbook", filename=filename)) from exc
    sheets = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        for worksheet in workbook.worksheets:
            # Some programs write wrong dimensions; without them every stored row is read.
            worksheet.reset_dimensions()
            rows = [
                SheetRow(line=number, cells=tuple(_cell_text(value) for value in values))
                for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
            ]
            # Read-only mode does not expose merged cells: they are listed at the sheet's end.
            path = str(getattr(worksheet, "_worksheet_path", "")).lstrip("/")
            xml = archive.read(path) if path in archive.namelist() else b""
            filled = _fill_merged(rows, xml)
            sheets.append(
                Sheet(
                    rows=tuple(rows),
                    format="xlsx",
                    encoding=None,
                    delimiter=None,
                    name=worksheet.title,
                    filled=filled,
                )
            )
    except Exception as exc:
        raise ImportFileError(import_message("unreadable_workbook", filename=filename)) from exc
    finally:
        workbook.close()
    if not sheets:
        raise ImportFileError(import_message("unreadable_workbook", filename=filename))
    return tuple(sheets)


def _fill_merged(rows: list[SheetRow], xml: bytes) -> tuple[FilledCells, ...]:
    """Copy the value of cells merged down several lines to each line; say where."""
    start = max(xml.rfind(b"<mergeCells"), xml.rfind(b":mergeCells"))
    if start < 0:
        return ()
    filled = []
    by_line = {row.line: index for index, row in enumerate(rows)}
    for match in _MERGE_REF.finditer(xml, start):
        first_col, first_line = _column_index(match.group(1)), int(match.group(2))
        last_col, last_line = _column_index(match.group(3)), int(match.group(4))
        if last_line <= first_line or first_line not in by_line:
            continue  # a title merged across one line holds nothing to copy down
        top = rows[by_line[first_line]].cells
        values = [top[c] if c < len(top) else "" for c in range(first_col, last_col + 1)]
        if not any(value.strip() for value in values):
            continue
        for line in range(first_line + 1, last_line + 1):
            if line not in by_line:
                continue
            index = by_line[line]
            cells = list(rows[index].cells)
            cells += [""] * (last_col + 1 - len(cells))
            cells[first_col : last_col + 1] = values
            rows[index] = SheetRow(line=line, cells=tuple(cells))
        ref = match.group(0).split(b'"')[1].decode()
        value = next(v for v in values if v.strip())
        filled.append(FilledCells(ref, first_line, last_line, value))
    return tuple(filled)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index - 1


def _cell_text(value: object) -> str:
    # Spreadsheets store a phone typed without its leading zero as the number 612345678.0.
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _read_csv(data: bytes, *, filename: str) -> Sheet:
    text, encoding = _decode(data, filename=filename)
    hint = _SEP_HINT.match(text)
    skipped_lines = 1 if hint else 0
    if hint:
        text = text[hint.end() :]
    delimiter = hint.group(1) if hint else _sniff_delimiter(text)
    try:
        rows = tuple(_csv_rows(text, delimiter=delimiter, first_line=1 + skipped_lines))
    except csv.Error as exc:
        raise ImportFileError(import_message("unreadable_text", filename=filename)) from exc
    return Sheet(rows=rows, format="csv", encoding=encoding, delimiter=delimiter)


def _decode(data: bytes, *, filename: str) -> tuple[str, str]:
    # Excel saves "CSV UTF-8" with a BOM, plain "CSV" in Windows-1252 and "Unicode text" in UTF-16.
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "utf-8-sig")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "utf-16")]
    else:
        candidates = [("utf-8", "utf-8"), ("cp1252", "cp1252")]
    for codec, name in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text, name
    raise ImportFileError(import_message("unreadable_text", filename=filename))


def _sniff_delimiter(text: str) -> str:
    # The right delimiter splits most lines into the same number of cells, more than one.
    sample = [line for line in _first_lines(text, _SNIFF_LINES) if line.strip()]
    best, best_score = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        widths = Counter(len(cells) for cells in csv.reader(sample, delimiter=delimiter))
        width, count = widths.most_common(1)[0] if widths else (0, 0)
        score = count if width > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_lines(text: str, count: int) -> list[str]:
    # Lines split from a growing head of the text, not from the whole file.
    size = 4096
    while True:
        lines = text[:size].splitlines()
        if len(lines) > count or size >= len(text):
            return lines[:count]
        size *= 4


def _csv_rows(text: str, *, delimiter: str, first_line: int) -> Iterable[SheetRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    cells = list(map(tuple, reader))
    if reader.line_num == len(cells):
        # Every row took one line, the usual file: numbered without a Python step per row.
        return map(_new_row, zip(count(first_line), cells))
    return _numbered_rows(text, delimiter=delimiter, first_line=first_line)


def _numbered_rows(text: str, *, delimiter: str, first_line: int) -> Iterator[SheetRow]:
    # A quoted cell may span several lines: a row is numbered by the line it starts on.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines_read = 0
    for cells in reader:
        yield SheetRow(first_line + lines_read, tuple(cells))
        lines_read = reader.line_num


def is_blank(cells: Iterable[str]) -> bool:
    """Tell whether a row has nothing but empty or blank cells."""
    return not "".join(cells).strip()
