"""Read an association's user file ("fichier usagers") into people ready to import."""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from broadcast.importfile.columns import ColumnLayout, find_layout
from broadcast.importfile.lines import LineReader
from broadcast.importfile.merging import merge_duplicates
from broadcast.importfile.results import (
    ImportFileError,
    ImportResult,
    ImportRow,
    LineWarning,
    RejectedLine,
    SheetSeen,
    TagSeen,
)
from broadcast.importfile.sheet import Sheet, is_blank, read_sheets
from broadcast.importfile.texts import import_message


def read_user_file(
    path_or_bytes: bytes | str | os.PathLike[str],
    *,
    filename: str,
    default_region: str = "FR",
    column_map: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> ImportResult:
    """Return the people of a CSV or XLSX file, with rejected lines and merged duplicates.

    Bad lines never raise; ImportFileError is raised only when the file itself cannot be read
    or has neither a phone nor a Telegram column. `column_map` maps headings to field names
    (or to "ignore") and wins over the usual headings; `sheet` names the workbook sheet to
    read, by default the first one with a contact column.
    """
    data = load_file(path_or_bytes, filename=filename)
    with _no_cycle_collection():
        return _read(data, filename, default_region, column_map, sheet)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    # Reading builds a few objects per line and frees none: the cycle collector, triggered
    # every few hundred of them, would walk everything built so far again and again (a quarter
    # of the time on a large file). Memory is still freed by reference counting meanwhile.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(
    data: bytes,
    filename: str,
    default_region: str,
    column_map: Mapping[str, str] | None,
    sheet: str | None,
) -> ImportResult:
    chosen, layout, sheets = choose_sheet(
        read_sheets(data, filename=filename), filename=filename, column_map=column_map, name=sheet
    )
    people: list[ImportRow] = []
    rejected: list[RejectedLine] = []
    warnings: list[LineWarning] = [
        LineWarning(
            line=filled.first_line,
            message=import_message(
                "merged_cells",
                cells=filled.cells,
                value=filled.value,
                first=filled.first_line + 1,
                last=filled.last_line,
            ),
            code="merged_cells",
        )
        for filled in chosen.filled
        if filled.last_line > layout.header_line
    ]
    reader = LineReader(layout, region=default_region)
    for row in chosen.rows:
        if row.line <= layout.header_line or is_blank(row.cells):
            continue
        outcome, line_warnings = reader.read(row)
        if isinstance(outcome, RejectedLine):
            rejected.append(outcome)
        else:
            people.append(outcome)
        warnings.extend(line_warnings)
    deduplicated = merge_duplicates(people)
    return ImportResult(
        rows=deduplicated.rows,
        rejected=tuple(rejected),
        merged=deduplicated.merged,
        warnings=tuple(sorted((*warnings, *deduplicated.warnings), key=lambda w: w.line)),
        columns=layout.columns,
        ignored_columns=layout.ignored,
        header_line=layout.header_line,
        format=chosen.format,
        encoding=chosen.encoding,
        delimiter=chosen.delimiter,
        sheets=sheets,
        tags=_tags_seen(deduplicated.rows),
        shared_phones=deduplicated.shared,
    )


def choose_sheet(
    sheets: Sequence[Sheet],
    *,
    filename: str,
    column_map: Mapping[str, str] | None,
    name: str | None,
) -> tuple[Sheet, ColumnLayout, tuple[SheetSeen, ...]]:
    """Return the sheet to read and its columns, with what becomes of every sheet."""
    if name is not None and not any(s.name == name for s in sheets):
        names = ", ".join(f"« {s.name} »" for s in sheets)
        raise ImportFileError(
            import_message("unknown_sheet", sheet=name, filename=filename, sheets=names)
        )
    chosen: tuple[Sheet, ColumnLayout] | None = None
    first_error: ImportFileError | None = None
    notes: list[tuple[str, bool, str]] = []
    for sheet in sheets:
        wanted = name is None or sheet.name == name
        if chosen is not None or not wanted:
            notes.append((sheet.name or "", False, "sheet_other"))
            continue
        if all(is_blank(row.cells) for row in sheet.rows):
            notes.append((sheet.name or "", False, "sheet_empty"))
            continue
        try:
            layout = find_layout(sheet.rows, filename=filename, column_map=column_map)
        except ImportFileError as exc:
            first_error = first_error or exc
            notes.append((sheet.name or "", False, "sheet_no_contact"))
            continue
        chosen = (sheet, layout)
        notes.append((sheet.name or "", True, "sheet_read"))
    if chosen is None:
        if first_error is not None:
            raise first_error
        raise ImportFileError(import_message("empty_file", filename=filename))
    seen = tuple(
        SheetSeen(name=sheet_name, read=read, note=import_message(code))
        for sheet_name, read, code in notes
        if sheets[0].name is not None
    )
    return chosen[0], chosen[1], seen


def _tags_seen(rows: Sequence[ImportRow]) -> tuple[TagSeen, ...]:
    # Counted per distinct set of tags: a file repeats the same few on most lines.
    people: Counter[str] = Counter()
    for tags, count in Counter(row.tags for row in rows).items():
        for code in tags:
            people[code] += count
    written: dict[str, dict[str, None]] = {}
    for pairs in dict.fromkeys(row.written_tags for row in rows):
        for code, text in pairs:
            written.setdefault(code, {})[text] = None
    return tuple(
        TagSeen(tag=code, written=tuple(written.get(code, {})), people=count)
        for code, count in sorted(people.items())
    )


def load_file(path_or_bytes: bytes | str | os.PathLike[str], *, filename: str) -> bytes:
    """Return a file's bytes, given them or its path."""
    if isinstance(path_or_bytes, bytes):
        return path_or_bytes
    try:
        return Path(path_or_bytes).read_bytes()
    except OSError as exc:
        raise ImportFileError(import_message("cannot_open", filename=filename)) from exc
