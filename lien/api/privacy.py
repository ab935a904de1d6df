"""One person's export and erasure, and each organisation's retention settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.errors import InvalidError, NotFoundError
from db.models import Organisation, StaffMember
from gateway.privacy.counts import counts_for
from gateway.privacy.erasure import erase_person
from gateway.privacy.export import export_person
from gateway.privacy.retention import (
    policy_for,
    purge_organisation,
    retention_defaults,
    set_retention,
)
from lien.auth import AdminOnly, StaffOnly
from lien.deps import RuntimeDep, SessionDep
from lien.document import render_export_html

people = APIRouter(prefix="/api/beneficiaries", tags=["privacy"])
settings_router = APIRouter(prefix="/api/privacy", tags=["privacy"])


@people.get(
    "/{beneficiary_id}/export",
    response_class=Response,
    summary="Exporter toutes les données d'une personne (droit d'accès)",
    responses={200: {"content": {"application/json": {}, "text/html": {}}}},
)
async def export(
    beneficiary_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffOnly,
    format: Annotated[Literal["json", "html"], Query(description="json ou html")] = "json",
) -> Response:
    data = await export_person(
        session,
        runtime.privacy,
        beneficiary_id=beneficiary_id,
        staff_id=staff.id,
        document=format,
    )
    filename = f"lien-donnees-{beneficiary_id}.{format}"
    disposition = {"Content-Disposition": f'inline; filename="{filename}"'}
    if format == "html":
        page = render_export_html(data, timezone=runtime.settings.timezone)
        return HTMLResponse(page, headers=disposition)
    return JSONResponse(data, headers=disposition)


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: bool = Field(description="true pour confirmer : l'effacement est définitif")


class ErasureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    beneficiary_id: int
    rows: dict[str, int]
    provider_deletions: int
    already_erased: bool


@people.post(
    "/{beneficiary_id}/erasure",
    response_model=ErasureOut,
    summary="Effacer les données d'une personne (droit à l'effacement)",
)
async def erase(
    beneficiary_id: int,
    body: ErasureIn,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: AdminOnly,
) -> ErasureOut:
    if not body.confirm:
        raise InvalidError('effacement définitif : envoyez {"confirm": true} pour confirmer')
    done = await erase_person(
        session, runtime.privacy, beneficiary_id=beneficiary_id, staff_id=staff.id
    )
    return ErasureOut.model_validate(done)


async def _organisation(
    session: AsyncSession, staff: StaffMember, slug: str | None
) -> Organisation:
    """The organisation named, else the staff member's, else the only one there is."""
    if slug is not None:
        found = await session.scalar(select(Organisation).where(Organisation.slug == slug))
        if found is None:
            raise NotFoundError(f"association inconnue : {slug}")
        return found
    if staff.organisation_id is not None:
        return await session.get_one(Organisation, staff.organisation_id)
    if await session.scalar(select(func.count()).select_from(Organisation)) == 1:
        return await session.get_one(Organisation, await session.scalar(select(Organisation.id)))
    raise InvalidError("plusieurs associations : précisez-en une (paramètre organisation)")


OrganisationQuery = Annotated[
    str | None, Query(max_length=64, description="identifiant (slug) de l'association")
]


class RetentionOut(BaseModel):
    organisation: str
    months: dict[str, int]
    defaults: dict[str, int]


class RetentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    months: dict[str, Any] = Field(description="mois de conservation par type de données")


@settings_router.get("/retention", response_model=RetentionOut, summary="Durées de conservation")
async def read_retention(
    session: SessionDep,
    runtime: RuntimeDep,
    staff: AdminOnly,
    organisation: OrganisationQuery = None,
) -> RetentionOut:
    org = await _organisation(session, staff, organisation)
    defaults = retention_defaults(runtime.privacy)
    policy = policy_for(org.settings or {}, defaults)
    return RetentionOut(organisation=org.slug, months=dict(policy.months), defaults=defaults)


@settings_router.put(
    "/retention", response_model=RetentionOut, summary="Changer les durées de conservation"
)
async def update_retention(
    body: RetentionIn,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: AdminOnly,
    organisation: OrganisationQuery = None,
) -> RetentionOut:
    org = await _organisation(session, staff, organisation)
    defaults = retention_defaults(runtime.privacy)
    policy = await set_retention(session, org, body.months, defaults=defaults, staff_id=staff.id)
    return RetentionOut(organisation=org.slug, months=dict(policy.months), defaults=defaults)


class PurgePreviewOut(BaseModel):
    organisation: str
    counts: dict[str, int]


@settings_router.get(
    "/purge-preview",
    response_model=PurgePreviewOut,
    summary="Ce que la purge quotidienne effacerait maintenant (rien n'est modifié)",
)
async def purge_preview(
    session: SessionDep,
    runtime: RuntimeDep,
    staff: AdminOnly,
    organisation: OrganisationQuery = None,
) -> PurgePreviewOut:
    org = await _organisation(session, staff, organisation)
    report = await purge_organisation(
        session, runtime.privacy, organisation=org, now=utcnow(), dry_run=True
    )
    return PurgePreviewOut(organisation=report.organisation, counts=report.counts)


class CountOut(BaseModel):
    kind: str
    month: str
    channel: str
    direction: str
    count: int


@settings_router.get(
    "/counts",
    response_model=list[CountOut],
    summary="Comptes anonymes gardés de ce que la conservation a effacé",
)
async def anonymous_counts(
    session: SessionDep, staff: AdminOnly, organisation: OrganisationQuery = None
) -> list[CountOut]:
    org = await _organisation(session, staff, organisation)
    return [
        CountOut(
            kind=c.kind, month=c.month, channel=c.channel, direction=c.direction, count=c.count
        )
        for c in await counts_for(session, organisation_id=org.id)
    ]
