"""Staff edits of the directory, laid over the shipped file.

The YAML file stays the base that people edit and review like code; the database keeps only what
staff changed through the API (a field, today's free places, an entry added or hidden). A new
version of the file is therefore taken as it is, except for the fields staff overrode, and
reverting an entry gives the file's version back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final, cast

from pydantic import ValidationError
from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory import Directory, DirectoryError, Entry, directory_problems
from bot.yamlread import describe_errors
from db.errors import ConflictError, NotFoundError
from db.models import DirectoryOverride
from db.scope import owning_organisation
from db.session import insert_ignore

EDITABLE_FIELDS: Final = (
    "name",
    "categories",
    "what",
    "address",
    "hours",
    "phone",
    "languages",
    "conditions",
)
PLACES_CATEGORY = "shelter"

log = logging.getLogger(__name__)


class UnknownEntry(LookupError, NotFoundError):
    """No entry of the directory has this id."""

    @property
    def message(self) -> str:
        return f"fiche inconnue : {self.args[0]}"


class EntryExists(ValueError, ConflictError):
    """An entry with this id is already in the directory."""

    @property
    def message(self) -> str:
        return f"cette fiche existe déjà : {self.args[0]}"


@dataclass(frozen=True)
class Edit:
    """What staff changed on one entry."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    removed: bool = False
    places_available: int | None = None
    places_updated_at: datetime | None = None


def _edit_of(row: DirectoryOverride) -> Edit:
    return Edit(row.fields, row.removed, row.places_available, row.places_updated_at)


def _entry(data: Mapping[str, Any], edit: Edit) -> Entry:
    merged = {**data, **edit.fields}
    if edit.places_available is not None:
        merged["places_available"] = edit.places_available
        merged["places_updated_at"] = edit.places_updated_at
    return Entry.model_validate(merged)


def layered(base: Directory, edits: Mapping[str, Edit], *, strict: bool = False) -> Directory:
    """Return the directory with staff edits applied; file entries first, in file order."""
    entries = []
    for entry in base.entries:
        edit = edits.get(entry.id)
        if edit is None:
            entries.append(entry)
        elif not edit.removed:
            entries.append(_edited(entry.model_dump(), edit, entry, strict=strict))
    entries += [
        _edited({"id": entry_id}, edit, None, strict=strict)
        for entry_id, edit in edits.items()
        if base.get(entry_id) is None and not edit.removed
    ]
    return Directory(entries=[entry for entry in entries if entry is not None])


def _edited(data: dict[str, Any], edit: Edit, fallback: Entry | None, *, strict: bool) -> Any:
    where = f'entry "{data["id"]}"'
    try:
        entry = _entry(data, edit)
    except ValidationError as exc:
        problems = [f"{where}: {line}" for line in describe_errors(exc, data)]
    else:
        problems = directory_problems(Directory(entries=[entry]))
        if not problems:
            return entry
    if strict:
        raise DirectoryError(problems)
    # A new file may no longer fit an old edit: keep serving the file's version.
    log.warning("directory edit ignored", extra={"entry": data["id"], "problems": problems})
    return fallback


async def load_edits(
    session: AsyncSession, *, organisation_id: int | None = None
) -> dict[str, Edit]:
    """Return an organisation's edits by entry id (a scoped session's own when not named)."""
    stmt = select(DirectoryOverride).order_by(DirectoryOverride.id)
    if organisation_id is not None:
        stmt = stmt.where(DirectoryOverride.organisation_id == organisation_id)
    rows = await session.scalars(stmt)
    return {row.entry_id: _edit_of(row) for row in rows}


async def effective_directory(session: AsyncSession, *, base: Directory) -> Directory:
    """Return the directory people are sent today: the file with staff edits."""
    return layered(base, await load_edits(session))


def source_of(base: Directory, edits: Mapping[str, Edit], entry_id: str) -> str:
    """Say where an entry comes from: the file, the file edited by staff, or staff alone."""
    if base.get(entry_id) is None:
        return "staff"
    return "edited" if entry_id in edits else "file"


# Changes ----------------------------------------------------------------------------------------


async def edit_entry(
    session: AsyncSession,
    *,
    base: Directory,
    entry_id: str,
    changes: Mapping[str, Any],
    staff_member_id: int | None,
    now: datetime,
) -> Entry:
    """Change some fields of an entry; raise UnknownEntry, or DirectoryError with the reasons."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise DirectoryError([f'entry "{entry_id}": cannot change {", ".join(unknown)}'])
    edits = await load_edits(session)
    _existing(base, edits, entry_id)
    edit = edits.get(entry_id, Edit())
    new = replace(edit, fields={**edit.fields, **changes})
    return await _store(session, base, edits, entry_id, new, staff_member_id, now)


async def add_entry(
    session: AsyncSession,
    *,
    base: Directory,
    data: Mapping[str, Any],
    staff_member_id: int | None,
    now: datetime,
) -> Entry:
    """Add an entry the file does not have; raise EntryExists, or DirectoryError with reasons."""
    entry_id = str(data.get("id", ""))
    edits = await load_edits(session)
    if base.get(entry_id) is not None or entry_id in edits:
        raise EntryExists(entry_id)
    fields = {name: value for name, value in data.items() if name in EDITABLE_FIELDS}
    return await _store(session, base, edits, entry_id, Edit(fields), staff_member_id, now)


async def set_places(
    session: AsyncSession,
    *,
    base: Directory,
    entry_id: str,
    count: int,
    staff_member_id: int | None,
    now: datetime,
) -> Entry:
    """Give a shelter's free places today; the answer shows them until the day ends."""
    edits = await load_edits(session)
    current = _existing(base, edits, entry_id)
    if PLACES_CATEGORY not in current.categories:
        raise DirectoryError([f'entry "{entry_id}": places are only counted for shelters'])
    new = replace(edits.get(entry_id, Edit()), places_available=count, places_updated_at=now)
    return await _store(session, base, edits, entry_id, new, staff_member_id, now)


async def remove_entry(
    session: AsyncSession,
    *,
    base: Directory,
    entry_id: str,
    staff_member_id: int | None,
    now: datetime,
) -> None:
    """Stop suggesting an entry: a file entry is hidden, a staff entry deleted."""
    edits = await load_edits(session)
    _existing(base, edits, entry_id)
    if base.get(entry_id) is None:
        await _delete(session, entry_id)
        return
    row = await _row(session, entry_id, now)
    row.removed = True
    row.updated_by_id = staff_member_id
    row.updated_at = now


async def revert_entry(session: AsyncSession, *, base: Directory, entry_id: str) -> None:
    """Forget staff edits of a file entry (hidden included): the file's version is back."""
    if base.get(entry_id) is None:
        raise UnknownEntry(entry_id)
    await _delete(session, entry_id)


def _existing(base: Directory, edits: Mapping[str, Edit], entry_id: str) -> Entry:
    entry = layered(base, edits).get(entry_id)
    if entry is None:
        raise UnknownEntry(entry_id)
    return entry


async def _store(
    session: AsyncSession,
    base: Directory,
    edits: dict[str, Edit],
    entry_id: str,
    edit: Edit,
    staff_member_id: int | None,
    now: datetime,
) -> Entry:
    candidate = layered(base, {**edits, entry_id: edit}, strict=True)
    problems = [p for p in directory_problems(candidate) if f'"{entry_id}"' in p]
    if problems:
        raise DirectoryError(problems)
    row = await _row(session, entry_id, now)
    row.fields = dict(edit.fields)
    row.removed = edit.removed
    row.places_available = edit.places_available
    row.places_updated_at = edit.places_updated_at
    row.updated_by_id = staff_member_id
    row.updated_at = now
    await session.flush()
    entry = candidate.get(entry_id)
    if entry is None:
        raise RuntimeError("an edited entry is missing from the directory")
    return entry


async def _row(session: AsyncSession, entry_id: str, now: datetime) -> DirectoryOverride:
    owner = await owning_organisation(session)
    await insert_ignore(
        session,
        cast(Table, DirectoryOverride.__table__),
        {
            "organisation_id": owner,
            "entry_id": entry_id,
            "fields": {},
            "removed": False,
            "updated_at": now,
        },
    )
    row = await session.scalar(
        select(DirectoryOverride)
        .where(DirectoryOverride.organisation_id == owner, DirectoryOverride.entry_id == entry_id)
        .with_for_update()
    )
    if row is None:
        raise RuntimeError("a directory edit vanished while it was being written")
    return row


async def _delete(session: AsyncSession, entry_id: str) -> None:
    owner = await owning_organisation(session)
    await session.execute(
        delete(DirectoryOverride).where(
            DirectoryOverride.organisation_id == owner, DirectoryOverride.entry_id == entry_id
        )
    )
