"""Importing an association's user file through the API: upload, dry run, full report."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel

from broadcast.importfile import (
    FIELDS,
    IGNORE,
    ColumnProposal,
    propose_columns,
    read_user_file,
)
from broadcast.importing import ImportReport, import_people
from broadcast.organisations import resolve_organisation, site_of
from db.errors import InvalidError, LienError
from db.models import StaffMember
from lien.auth import require_role
from lien.deps import SessionDep

router = APIRouter(prefix="/api/imports", tags=["imports"])
MAX_FILE = 10 * 1024 * 1024
Sender = Annotated[StaffMember, require_role("staff")]


class RejectedOut(BaseModel):
    line: int
    reason: str
    content: str


class MergedOut(BaseModel):
    line: int
    merged_lines: list[int]
    conflicts: list[str]


class WarningOut(BaseModel):
    line: int
    message: str


class SheetOut(BaseModel):
    name: str
    read: bool
    note: str


class TagOut(BaseModel):
    tag: str
    label: str
    written: list[str]
    people: int


class SharedPhoneOut(BaseModel):
    line: int
    other_lines: list[int]


class ColumnOut(BaseModel):
    heading: str
    field: str | None
    samples: list[str]


class ColumnProposalOut(BaseModel):
    sheets: list[SheetOut]
    sheet: str | None
    header_line: int
    columns: list[ColumnOut]
    fields: list[str]
    mapping: dict[str, str]

    @classmethod
    def of(cls, proposal: ColumnProposal) -> ColumnProposalOut:
        return cls(
            sheets=[SheetOut(name=s.name, read=s.read, note=s.note) for s in proposal.sheets],
            sheet=proposal.sheet,
            header_line=proposal.header_line,
            columns=[
                ColumnOut(heading=c.heading, field=c.field, samples=list(c.samples))
                for c in proposal.columns
            ],
            fields=[*proposal.fields, IGNORE],
            mapping=proposal.mapping(),
        )


class ImportReportOut(BaseModel):
    dry_run: bool
    format: str
    encoding: str | None
    delimiter: str | None
    columns: dict[str, str]
    ignored_columns: list[str]
    people: int
    created: int
    updated: int
    unchanged: int
    contacts_added: int
    sites_created: list[str]
    rejected: list[RejectedOut]
    # Lines saved whose contact belonged to an erased person: flagged, held for staff.
    recontacts: list[RejectedOut]
    merged: list[MergedOut]
    warnings: list[WarningOut]
    sheets: list[SheetOut]
    tags: list[TagOut]
    tags_created: list[str]
    shared_phones: list[SharedPhoneOut]

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        read = report.read
        return cls(
            dry_run=report.dry_run,
            format=read.format,
            encoding=read.encoding,
            delimiter=read.delimiter,
            columns=dict(read.columns),
            ignored_columns=list(read.ignored_columns),
            people=len(read.rows),
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            contacts_added=report.contacts_added,
            sites_created=list(report.sites_created),
            rejected=[
                RejectedOut(line=r.line, reason=r.reason, content=r.raw) for r in report.rejected
            ],
            recontacts=[
                RejectedOut(line=r.line, reason=r.reason, content=r.raw) for r in report.recontacts
            ],
            merged=[
                MergedOut(
                    line=m.line, merged_lines=list(m.merged_lines), conflicts=list(m.conflicts)
                )
                for m in read.merged
            ],
            warnings=[WarningOut(line=w.line, message=w.message) for w in read.warnings],
            sheets=[SheetOut(name=s.name, read=s.read, note=s.note) for s in read.sheets],
            tags=[
                TagOut(
                    tag=t.tag,
                    label=report.tag_labels.get(t.tag, t.tag),
                    written=list(t.written),
                    people=t.people,
                )
                for t in read.tags
            ],
            tags_created=list(report.tags_created),
            shared_phones=[
                SharedPhoneOut(line=s.line, other_lines=list(s.other_lines))
                for s in read.shared_phones
            ],
        )


MAPPING_HELP = (
    "Objet JSON « intitulé de colonne » → champ ("
    + ", ".join((*FIELDS, IGNORE))
    + ") ; « ignore » écarte la colonne"
)


class FileTooLarge(LienError):
    """An upload beyond what an import reads."""

    status = 413
    code = "file_too_large"


async def _upload(file: UploadFile) -> tuple[bytes, str]:
    data = await file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise FileTooLarge(f"fichier trop grand (> {MAX_FILE} octets)")
    return data, file.filename or "fichier.csv"


def _mapping(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        loaded = json.loads(text)
    except ValueError as exc:
        raise InvalidError("mapping : JSON illisible") from exc
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
    ):
        raise InvalidError("mapping : un objet dont chaque valeur est le nom d'un champ")
    return loaded


@router.post(
    "/beneficiaries/columns",
    response_model=ColumnProposalOut,
    summary="Proposer l'association des colonnes d'un fichier usagers",
)
async def propose_beneficiary_columns(
    staff: Sender,
    file: Annotated[UploadFile, File(description="Fichier CSV ou XLSX")],
    mapping: Annotated[str | None, Form(description=MAPPING_HELP)] = None,
    sheet: Annotated[str | None, Form(description="Feuille du classeur à lire")] = None,
) -> ColumnProposalOut:
    data, filename = await _upload(file)
    column_map = _mapping(mapping)
    proposal = await asyncio.to_thread(
        propose_columns, data, filename=filename, column_map=column_map, sheet=sheet
    )
    return ColumnProposalOut.of(proposal)


@router.post(
    "/beneficiaries", response_model=ImportReportOut, summary="Importer le fichier usagers"
)
async def import_beneficiaries(
    session: SessionDep,
    staff: Sender,
    file: Annotated[UploadFile, File(description="Fichier CSV ou XLSX")],
    dry_run: Annotated[bool, Form(description="Tout vérifier sans rien enregistrer")] = False,
    site: Annotated[str | None, Form(description="Site par défaut (slug)")] = None,
    organisation: Annotated[str | None, Form()] = None,
    mapping: Annotated[str | None, Form(description=MAPPING_HELP)] = None,
    sheet: Annotated[str | None, Form(description="Feuille du classeur à lire")] = None,
) -> ImportReportOut:
    data, filename = await _upload(file)
    column_map = _mapping(mapping)
    read = await asyncio.to_thread(
        read_user_file, data, filename=filename, column_map=column_map, sheet=sheet
    )
    owner = await resolve_organisation(
        session, staff_organisation_id=staff.organisation_id, slug=organisation
    )
    default_site = await site_of(session, organisation_id=owner.id, slug=site)
    report = await import_people(
        session,
        result=read,
        organisation_id=owner.id,
        default_site_id=default_site.id,
        source=filename,
        dry_run=dry_run,
    )
    return ImportReportOut.of(report)
