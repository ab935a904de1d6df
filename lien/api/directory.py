"""The directory of local services, as people are sent it; staff edit it over the shipped file."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from bot.directory import Directory, Entry, places_today, render_entry
from bot.directory_store import (
    Edit,
    UnknownEntry,
    add_entry,
    edit_entry,
    layered,
    load_edits,
    remove_entry,
    revert_entry,
    set_places,
    source_of,
)
from bot.inbound import Accueil
from bot.triage import NEEDS
from db.base import utcnow
from db.errors import LienError
from db.models import StaffMember
from lien.auth import CurrentStaff, require_role
from lien.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/api/directory", tags=["directory"])
Editor = Annotated[StaffMember, require_role("staff")]
Category = Annotated[str, Field(pattern="^(" + "|".join(NEEDS) + ")$")]
Text = dict[str, Annotated[str, Field(min_length=1, max_length=600)]]


class AccueilNotLoaded(LienError):
    """The accueil's flows and directory are not loaded in this process."""

    status = 503
    code = "accueil_not_loaded"


async def get_accueil(runtime: RuntimeDep) -> Accueil:
    if runtime.accueil is None:
        raise AccueilNotLoaded("accueil non chargé")
    return runtime.accueil


AccueilDep = Annotated[Accueil, Depends(get_accueil)]


class EntryOut(BaseModel):
    id: str
    name: str
    categories: list[str]
    what: dict[str, str]
    address: str | None
    hours: dict[str, str] | None
    phone: str | None
    languages: list[str]
    conditions: dict[str, str] | None
    places_available: int | None
    places_updated_at: datetime | None
    places_today: int | None = Field(description="Places libres, si mises à jour aujourd'hui")
    source: str = Field(description="file, edited (fichier modifié par l'équipe) ou staff")


class EntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    categories: list[Category] | None = Field(None, min_length=1)
    what: Text | None = None
    address: str | None = Field(None, max_length=300)
    hours: Text | None = None
    phone: str | None = Field(None, max_length=40)
    languages: list[str] | None = None
    conditions: Text | None = None


class EntryIn(EntryPatch):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name: str = Field(min_length=1, max_length=200)
    categories: list[Category] = Field(min_length=1)
    what: Text


class PlacesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    places_available: int = Field(ge=0, le=10_000)


class PreviewOut(BaseModel):
    language: str
    text: str


def _out(entry: Entry, source: str) -> EntryOut:
    return EntryOut(
        **entry.model_dump(),
        places_today=places_today(entry, now=utcnow()),
        source=source,
    )


async def _current(session: SessionDep, base: Directory) -> tuple[Directory, dict[str, Edit]]:
    edits = await load_edits(session)
    return layered(base, edits), edits


@router.get("", response_model=list[EntryOut], summary="Annuaire des services")
async def entries(
    session: SessionDep,
    _staff: CurrentStaff,
    accueil: AccueilDep,
    category: Annotated[str | None, Query(pattern="^(" + "|".join(NEEDS) + ")$")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Mots cherchés")] = None,
) -> list[EntryOut]:
    directory, edits = await _current(session, accueil.directory)
    found = directory.search(q) if q else directory.entries
    if category:
        found = [entry for entry in found if category in entry.categories]
    return [_out(entry, source_of(accueil.directory, edits, entry.id)) for entry in found]


@router.get("/{entry_id}", response_model=EntryOut, summary="Une fiche")
async def entry(
    entry_id: str, session: SessionDep, _staff: CurrentStaff, accueil: AccueilDep
) -> EntryOut:
    directory, edits = await _current(session, accueil.directory)
    found = directory.get(entry_id)
    if found is None:
        raise UnknownEntry(entry_id)
    return _out(found, source_of(accueil.directory, edits, entry_id))


@router.get("/{entry_id}/preview", response_model=PreviewOut, summary="Le SMS envoyé")
async def preview(
    entry_id: str,
    session: SessionDep,
    _staff: CurrentStaff,
    accueil: AccueilDep,
    lang: Annotated[str, Query(pattern=r"^[a-z]{2,3}$")] = "fr",
) -> PreviewOut:
    directory, _edits = await _current(session, accueil.directory)
    found = directory.get(entry_id)
    if found is None:
        raise UnknownEntry(entry_id)
    return PreviewOut(language=lang, text=render_entry(found, lang, now=utcnow()))


@router.post(
    "", response_model=EntryOut, status_code=status.HTTP_201_CREATED, summary="Ajouter une fiche"
)
async def create(
    body: EntryIn, session: SessionDep, staff: Editor, accueil: AccueilDep
) -> EntryOut:
    added = await add_entry(
        session,
        base=accueil.directory,
        data=body.model_dump(exclude_unset=True) | {"id": body.id},
        staff_member_id=staff.id,
        now=utcnow(),
    )
    return _out(added, "staff")


@router.patch("/{entry_id}", response_model=EntryOut, summary="Modifier une fiche")
async def change(
    entry_id: str, body: EntryPatch, session: SessionDep, staff: Editor, accueil: AccueilDep
) -> EntryOut:
    edited = await edit_entry(
        session,
        base=accueil.directory,
        entry_id=entry_id,
        changes=body.model_dump(exclude_unset=True),
        staff_member_id=staff.id,
        now=utcnow(),
    )
    source = "staff" if accueil.directory.get(entry_id) is None else "edited"
    return _out(edited, source)


@router.put("/{entry_id}/places", response_model=EntryOut, summary="Places libres aujourd'hui")
async def places(
    entry_id: str, body: PlacesIn, session: SessionDep, staff: Editor, accueil: AccueilDep
) -> EntryOut:
    edited = await set_places(
        session,
        base=accueil.directory,
        entry_id=entry_id,
        count=body.places_available,
        staff_member_id=staff.id,
        now=utcnow(),
    )
    source = "staff" if accueil.directory.get(entry_id) is None else "edited"
    return _out(edited, source)


@router.delete(
    "/{entry_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Ne plus proposer une fiche"
)
async def remove(
    entry_id: str, session: SessionDep, staff: Editor, accueil: AccueilDep
) -> Response:
    await remove_entry(
        session,
        base=accueil.directory,
        entry_id=entry_id,
        staff_member_id=staff.id,
        now=utcnow(),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{entry_id}/edits",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revenir à la fiche du fichier",
)
async def revert(
    entry_id: str, session: SessionDep, _staff: Editor, accueil: AccueilDep
) -> Response:
    await revert_entry(session, base=accueil.directory, entry_id=entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
