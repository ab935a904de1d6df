"""The people list of the console: a search by name, filters by site and tag, a count, pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import Beneficiary, BeneficiaryTag, Site
from gateway.tags import fold_tag

PAGE_SIZE = 50


@dataclass(frozen=True)
class PeopleWanted:
    text: str = ""
    site: str = ""  # a site's slug
    tag: str = ""
    page: int = 1


@dataclass(frozen=True)
class PeoplePage:
    people: list[Beneficiary]
    total: int
    page: int
    pages: int


def _matching(wanted: PeopleWanted) -> Select[Beneficiary]:
    query = select(Beneficiary)
    for word in wanted.text.split()[:5]:
        pattern = f"%{word}%"
        query = query.where(
            or_(Beneficiary.first_name.ilike(pattern), Beneficiary.last_name.ilike(pattern))
        )
    if wanted.site:
        query = query.join(Site, Site.id == Beneficiary.site_id).where(Site.slug == wanted.site)
    if wanted.tag:
        query = query.where(
            exists().where(
                BeneficiaryTag.beneficiary_id == Beneficiary.id,
                BeneficiaryTag.tag == (fold_tag(wanted.tag) or wanted.tag),
            )
        )
    return query


async def people_page(session: AsyncSession, wanted: PeopleWanted) -> PeoplePage:
    """Return one page of the people matching, latest contact first, and how many match."""
    matching = _matching(wanted)
    total = await session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, wanted.page), pages)
    rows = await session.scalars(
        matching.options(selectinload(Beneficiary.contact_points), selectinload(Beneficiary.tags))
        .order_by(Beneficiary.last_contact_at.desc().nulls_last(), Beneficiary.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return PeoplePage(list(rows), total, page, pages)


async def known_tags(session: AsyncSession) -> list[str]:
    """Return every tag in use, for the filter."""
    return list(
        await session.scalars(select(BeneficiaryTag.tag).distinct().order_by(BeneficiaryTag.tag))
    )
