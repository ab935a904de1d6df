"""Importing an association's user file through the API: upload, dry run, full report."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status
from pydantic import BaseModel

from broadcast.importfile import ImportFileError, read_user_file
from broadcast.importing import ImportReport, import_people
from broadcast.organisations import resolve_organisation, site_of
from broadcast.texts import BroadcastError
from db.models import StaffMember
from lien.api.broadcasts import refused
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
    merged: list[MergedOut]
    warnings: list[WarningOut]

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
            merged=[
                MergedOut(
                    line=m.line, merged_lines=list(m.merged_lines), conflicts=list(m.conflicts)
                )
                for m in read.merged
            ],
            warnings=[WarningOut(line=w.line, message=w.message) for w in read.warnings],
        )


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
) -> ImportReportOut:
    data = await file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, detail=f"fichier trop grand (> {MAX_FILE} octets)"
        )
    filename = file.filename or "fichier.csv"
    try:
        read = await asyncio.to_thread(read_user_file, data, filename=filename)
    except ImportFileError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    try:
        owner = await resolve_organisation(
            session, staff_organisation_id=staff.organisation_id, slug=organisation
        )
        default_site = await site_of(session, organisation_id=owner.id, slug=site)
    except BroadcastError as exc:
        raise refused(exc) from exc
    report = await import_people(
        session,
        result=read,
        organisation_id=owner.id,
        default_site_id=default_site.id,
        source=filename,
        dry_run=dry_run,
    )
    return ImportReportOut.of(report)
