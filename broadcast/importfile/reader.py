"""Read an association's user file ("fichier usagers") into people ready to import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from broadcast.importfile.columns import find_layout
from broadcast.importfile.lines import read_line
from broadcast.importfile.merging import merge_duplicates
from broadcast.importfile.results import (
    ImportFileError,
    ImportResult,
    ImportRow,
    LineWarning,
    RejectedLine,
)
from broadcast.importfile.sheet import is_blank, read_sheet
from broadcast.importfile.texts import import_message


def read_user_file(
    path_or_bytes: bytes | str | os.PathLike[str],
    *,
    filename: str,
    default_region: str = "FR",
    column_map: Mapping[str, str] | None = None,
) -> ImportResult:
    """Return the people of a CSV or XLSX file, with rejected lines and merged duplicates.

    Bad lines never raise; ImportFileError is raised only when the file itself cannot be read
    or has neither a phone nor a Telegram column. `column_map` maps headings to field names
    and wins over the usual headings.
    """
    data = _load(path_or_bytes, filename=filename)
    sheet = read_sheet(data, filename=filename)
    layout = find_layout(sheet.rows, filename=filename, column_map=column_map)
    people: list[ImportRow] = []
    rejected: list[RejectedLine] = []
    warnings: list[LineWarning] = []
    for row in sheet.rows:
        if row.line <= layout.header_line or is_blank(row.cells):
            continue
        outcome, line_warnings = read_line(row, layout=layout, region=default_region)
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
        format=sheet.format,
        encoding=sheet.encoding,
        delimiter=sheet.delimiter,
    )


def _load(path_or_bytes: bytes | str | os.PathLike[str], *, filename: str) -> bytes:
    if isinstance(path_or_bytes, bytes):
        return path_or_bytes
    try:
        return Path(path_or_bytes).read_bytes()
    except OSError as exc:
        raise ImportFileError(import_message("cannot_open", filename=filename)) from exc
