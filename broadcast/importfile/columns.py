"""Which column holds what: the usual French headings of a user file, read loosely."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from broadcast.importfile.results import ImportFileError
from broadcast.importfile.sheet import SheetRow, is_blank
from broadcast.importfile.texts import import_message

FIELDS = (
    "last_name",
    "first_name",
    "phone",
    "language",
    "site",
    "tags",
    "telegram_chat_id",
    "email",
)
CONTACT_FIELDS = frozenset({"phone", "telegram_chat_id"})
# Given as the field of a heading in a mapping: leave that column out.
IGNORE = "ignore"
# Title lines above the headings are common; the headings are looked for this far down.
HEADER_SEARCH_ROWS = 10

# Checked in order, on the words of a heading without accents: the first match wins, so that
# "Téléphone portable" is a phone and "Nom du site" is a site.
_WORD_RULES: tuple[tuple[str, frozenset[str]], ...] = (
    ("telegram_chat_id", frozenset({"telegram"})),
    (
        "phone",
        frozenset({"telephone", "telephones", "tel", "portable", "mobile", "gsm", "phone", "fixe"}),
    ),
    ("email", frozenset({"email", "mail", "courriel"})),
    ("language", frozenset({"langue", "langues", "language", "languages"})),
    (
        "tags",
        frozenset(
            {
                "tag",
                "tags",
                "categorie",
                "categories",
                "etiquette",
                "etiquettes",
                "situation",
                "situations",
                "public",
                "publics",
                "vulnerabilite",
                "vulnerabilites",
                "fragilite",
                "fragilites",
                "profil",
                "profils",
            }
        ),
    ),
    ("site", frozenset({"site", "sites", "antenne", "antennes"})),
)
_EXACT_HEADINGS: Mapping[str, str] = {
    "numero": "phone",
    "n°": "phone",
    "nom": "last_name",
    "noms": "last_name",
    "nom de famille": "last_name",
    "nom d usage": "last_name",
    "last name": "last_name",
    "surname": "last_name",
    "prenom": "first_name",
    "prenoms": "first_name",
    "prenom s": "first_name",
    "first name": "first_name",
}
_WORD = re.compile(r"[a-z0-9°]+")


@dataclass(frozen=True)
class ColumnLayout:
    """The heading row and, for each field, the columns that hold it."""

    header_line: int
    fields: Mapping[str, tuple[int, ...]]
    columns: tuple[tuple[str, str], ...]
    ignored: tuple[str, ...]


def normalize_heading(heading: str) -> str:
    """Return a heading lowercased, without accents, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", heading.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(bare))


def field_for_heading(heading: str, *, column_map: Mapping[str, str]) -> str | None:
    """Return the field a column holds, from the explicit map or the usual headings."""
    normalized = normalize_heading(heading)
    if normalized in column_map:
        chosen = column_map[normalized]
        return None if chosen == IGNORE else chosen
    if normalized in _EXACT_HEADINGS:
        return _EXACT_HEADINGS[normalized]
    words = set(normalized.split())
    for field, keywords in _WORD_RULES:
        if words & keywords:
            return field
    return None


def find_layout(
    rows: Sequence[SheetRow], *, filename: str, column_map: Mapping[str, str] | None
) -> ColumnLayout:
    """Find the heading row and map its columns; raise ImportFileError without a contact column."""
    normalized_map = _normalize_column_map(column_map or {})
    candidates = list(islice((row for row in rows if not is_blank(row.cells)), HEADER_SEARCH_ROWS))
    for row in candidates:
        layout = _layout_of(row, column_map=normalized_map)
        if CONTACT_FIELDS & layout.fields.keys():
            return layout
    headings = candidates[0].cells if candidates else ()
    read = ", ".join(cell.strip() for cell in headings if cell.strip())
    read = read or import_message("no_columns")
    raise ImportFileError(import_message("no_contact_column", filename=filename, columns=read))


def _layout_of(row: SheetRow, *, column_map: Mapping[str, str]) -> ColumnLayout:
    fields: dict[str, list[int]] = {}
    columns: list[tuple[str, str]] = []
    ignored: list[str] = []
    for index, cell in enumerate(row.cells):
        heading = cell.strip()
        if not heading:
            continue
        field = field_for_heading(heading, column_map=column_map)
        if field is None:
            ignored.append(heading)
            continue
        fields.setdefault(field, []).append(index)
        columns.append((heading, field))
    return ColumnLayout(
        header_line=row.line,
        fields={field: tuple(indexes) for field, indexes in fields.items()},
        columns=tuple(columns),
        ignored=tuple(ignored),
    )


def _normalize_column_map(column_map: Mapping[str, str]) -> dict[str, str]:
    for heading, field in column_map.items():
        if field not in (*FIELDS, IGNORE):
            raise ImportFileError(import_message("unknown_field", column=heading, field=field))
    return {normalize_heading(heading): field for heading, field in column_map.items()}
