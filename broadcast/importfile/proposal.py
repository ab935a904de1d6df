"""What a file's columns would be read as, before importing: the mapping staff confirm."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from broadcast.importfile.columns import FIELDS, IGNORE, field_for_heading, normalize_heading
from broadcast.importfile.reader import choose_sheet, load_file
from broadcast.importfile.results import SheetSeen
from broadcast.importfile.sheet import is_blank, read_sheets

SAMPLES = 3


@dataclass(frozen=True)
class ProposedColumn:
    """One heading of the file, the field proposed for it (None: left out) and a few values."""

    heading: str
    field: str | None
    samples: tuple[str, ...]


@dataclass(frozen=True)
class ColumnProposal:
    """The sheet and heading line found, and every column with its proposed field."""

    sheets: tuple[SheetSeen, ...]
    sheet: str | None
    header_line: int
    columns: tuple[ProposedColumn, ...]
    fields: tuple[str, ...] = FIELDS

    def mapping(self) -> dict[str, str]:
        """Return the proposal as the mapping the import takes (heading to field or ignore)."""
        return {c.heading: c.field or IGNORE for c in self.columns}


def propose_columns(
    path_or_bytes: bytes | str | os.PathLike[str],
    *,
    filename: str,
    column_map: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> ColumnProposal:
    """Detect a file's heading line and propose a field for each column."""
    data = load_file(path_or_bytes, filename=filename)
    chosen, layout, sheets = choose_sheet(
        read_sheets(data, filename=filename), filename=filename, column_map=column_map, name=sheet
    )
    normalized = {normalize_heading(h): f for h, f in (column_map or {}).items()}
    header = next(row for row in chosen.rows if row.line == layout.header_line)
    body = [r for r in chosen.rows if r.line > layout.header_line and not is_blank(r.cells)]
    columns = []
    for index, cell in enumerate(header.cells):
        heading = cell.strip()
        if not heading:
            continue
        values = (row.cells[index].strip() for row in body if index < len(row.cells))
        samples = tuple(dict.fromkeys(v for v in values if v))[:SAMPLES]
        field = field_for_heading(heading, column_map=normalized)
        columns.append(ProposedColumn(heading=heading, field=field, samples=samples))
    return ColumnProposal(
        sheets=sheets, sheet=chosen.name, header_line=layout.header_line, columns=tuple(columns)
    )
