"""An association's translations: import a file line by line, edit and review one text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.localize import placeholders
from bot.translation_store import load_overrides
from db.models import TranslationOverride

DRAFT = "draft"
REVIEWED = "reviewed"


@dataclass(frozen=True)
class Line:
    """One text read from an imported file, where it was found."""

    number: int
    catalogue: str
    key: str
    text: str
    # A PO entry marked fuzzy stays a draft whoever imports it.
    fuzzy: bool = False


@dataclass(frozen=True)
class Outcome:
    """What became of one line of an imported file."""

    number: int
    key: str
    taken: bool
    reason: str = ""


def read_csv(body: bytes, *, language: str) -> Iterator[Line]:
    """Yield the texts of a CSV laid out like the export: catalogue, key, French, language."""
    reader = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    header = next(reader, [])
    column = header.index(language) if language in header else 3
    for row in reader:
        if len(row) > column and row[0].strip():
            yield Line(reader.line_num, row[0].strip(), row[1].strip(), row[column].strip())


def read_po_file(body: bytes, *, language: str) -> Iterator[Line]:
    """Yield the texts of a PO file whose contexts are "catalogue | key", as exported."""
    catalog = read_po(io.BytesIO(body), locale=language)
    for message in catalog:
        if not message.id or not message.context:
            continue
        catalogue, _sep, key = str(message.context).partition(" | ")
        text = message.string if isinstance(message.string, str) else ""
        yield Line(message.lineno or 0, catalogue, key, text.strip(), message.fuzzy)


def refusal(french: str | None, text: str) -> str:
    """Say why a translation cannot replace the French text, or return ""."""
    if french is None:
        return "clé inconnue"
    if not text:
        return "texte vide"
    try:
        written = set(placeholders(text))
    except ValueError:
        return "champ mal écrit entre accolades"
    expected = set(placeholders(french))
    if missing := sorted(expected - written):
        return "champ manquant : " + ", ".join(f"{{{name}}}" for name in missing)
    if unknown := sorted(written - expected):
        return "champ inconnu : " + ", ".join(f"{{{name}}}" for name in unknown)
    return ""


async def save_text(
    session: AsyncSession,
    *,
    organisation_id: int,
    catalogue: str,
    key: str,
    language: str,
    text: str,
    reviewed_by: tuple[int | None, str | None] | None,
    now: datetime,
) -> TranslationOverride:
    """Write the association's text for a key; a reviewer (staff id, name) marks it reviewed."""
    row = await session.scalar(
        select(TranslationOverride).where(
            TranslationOverride.organisation_id == organisation_id,
            TranslationOverride.catalogue == catalogue,
            TranslationOverride.key == key,
            TranslationOverride.language == language,
        )
    )
    if row is None:
        row = TranslationOverride(
            organisation_id=organisation_id, catalogue=catalogue, key=key, language=language
        )
        session.add(row)
    row.text = text
    row.updated_at = now
    if reviewed_by is None:
        row.status, row.reviewed_by_id, row.reviewed_by_name, row.reviewed_at = (
            DRAFT,
            None,
            None,
            None,
        )
    else:
        row.status = REVIEWED
        row.reviewed_by_id, row.reviewed_by_name = reviewed_by
        row.reviewed_at = now
    await session.flush()
    return row


async def import_lines(
    session: AsyncSession,
    *,
    lines: Iterator[Line],
    french: Mapping[tuple[str, str], str],
    organisation_id: int,
    language: str,
    reviewer: str | None,
    now: datetime,
) -> list[Outcome]:
    """Take every line whose key is known and whose fields match the French; refuse the rest."""
    outcomes = []
    for line in lines:
        reason = refusal(french.get((line.catalogue, line.key)), line.text)
        if reason:
            outcomes.append(Outcome(line.number, line.key, False, reason))
            continue
        by = None if reviewer is None or line.fuzzy else (None, reviewer)
        await save_text(
            session,
            organisation_id=organisation_id,
            catalogue=line.catalogue,
            key=line.key,
            language=language,
            text=line.text,
            reviewed_by=by,
            now=now,
        )
        outcomes.append(Outcome(line.number, line.key, True))
    return outcomes


async def overrides_in(
    session: AsyncSession, *, organisation_id: int | None, language: str
) -> dict[tuple[str, str], TranslationOverride]:
    """Return the association's texts in one language by (catalogue, key)."""
    rows = await load_overrides(session, organisation_id=organisation_id)
    return {(row.catalogue, row.key): row for row in rows if row.language == language}
