"""Keyword-default builders for test data."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Organisation, Site
from gateway.records import add_contact, create_beneficiary, ensure_organisation


async def create_site(
    session: AsyncSession, *, slug: str = "nimes-accueil", org_slug: str | None = None
) -> Site:
    """Return a site; without `org_slug`, of the organisation already there (AMI Nîmes if none)."""
    if org_slug is None:
        first = await session.scalar(select(Organisation).order_by(Organisation.id).limit(1))
        org_slug = first.slug if first is not None else "ami-nimes"
    return await ensure_organisation(
        session, slug=org_slug, name="AMI Nîmes", site_slug=slug, site_name="Accueil Nîmes"
    )


async def create_person(
    session: AsyncSession,
    *,
    site: Site | None = None,
    first_name: str | None = "Awa",
    language: str = "fr",
    phone: str | None = "+33612345678",
    telegram: str | None = None,
    simulator: str | None = None,
    tags: Sequence[str] = (),
) -> Beneficiary:
    site = site or await create_site(session)
    person = await create_beneficiary(
        session, site=site, first_name=first_name, language=language, tags=tags
    )
    if phone:
        await add_contact(session, person, channel="sms", address=phone)
    if telegram:
        await add_contact(session, person, channel="telegram", address=telegram)
    if simulator:
        await add_contact(session, person, channel="simulator", address=simulator)
    return person


@pytest.fixture
def make_person() -> object:
    return create_person
