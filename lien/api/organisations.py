"""The instance operator's routes: the associations hosted, and their first administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from db.errors import NotFoundError
from db.models import Organisation, Site, StaffMember
from lien.auth import OperatorOnly
from lien.console.accounts import AccountRefused, create_staff_member
from lien.deps import SessionDep
from lien.sites import create_organisation

router = APIRouter(prefix="/api/organisations", tags=["organisations"])
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


class OrganisationIn(BaseModel):
    slug: Slug
    name: str = Field(min_length=1, max_length=200)
    site_slug: Slug = "accueil"
    site_name: str = Field("Accueil", min_length=1, max_length=200)


class OrganisationOut(BaseModel):
    slug: str
    name: str
    sites: int
    accounts: int


class AdminIn(BaseModel):
    email: str = Field(max_length=200)
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(max_length=200)


class AdminOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    organisation: str


async def _summary(session: SessionDep, organisation: Organisation) -> OrganisationOut:
    sites = await session.scalar(
        select(func.count()).select_from(Site).where(Site.organisation_id == organisation.id)
    )
    accounts = await session.scalar(
        select(func.count())
        .select_from(StaffMember)
        .where(StaffMember.organisation_id == organisation.id)
    )
    return OrganisationOut(
        slug=organisation.slug, name=organisation.name, sites=sites or 0, accounts=accounts or 0
    )


@router.get("")
async def list_organisations(session: SessionDep, _operator: OperatorOnly) -> list[OrganisationOut]:
    """List the associations this instance hosts, with their sites and accounts."""
    every = await session.scalars(select(Organisation).order_by(Organisation.slug))
    return [await _summary(session, organisation) for organisation in every]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create(
    body: OrganisationIn, session: SessionDep, _operator: OperatorOnly
) -> OrganisationOut:
    """Host a new association, with its first site."""
    organisation = await create_organisation(
        session,
        slug=body.slug,
        name=body.name,
        site_slug=body.site_slug,
        site_name=body.site_name,
    )
    return await _summary(session, organisation)


@router.post("/{slug}/admins", status_code=status.HTTP_201_CREATED)
async def create_admin(
    slug: Annotated[str, Path(max_length=64)],
    body: AdminIn,
    session: SessionDep,
    _operator: OperatorOnly,
) -> AdminOut:
    """Give an association its first administrator, who then manages its own accounts."""
    organisation = await session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFoundError(f"association inconnue : {slug}")
    try:
        member = await create_staff_member(
            session,
            email=body.email,
            name=body.name,
            role="admin",
            password=body.password,
            organisation_id=organisation.id,
        )
    except AccountRefused as refused:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail={refused.field: str(refused)}
        ) from refused
    return AdminOut(
        id=member.id,
        email=member.email or "",
        name=member.name,
        role=member.role,
        organisation=organisation.slug,
    )
