"""Which organisation a staff member acts for, and who they are by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.texts import Invalid, NotAllowed
from db.models import Organisation, Site, StaffMember


async def resolve_organisation(
    session: AsyncSession, *, staff_organisation_id: int | None, slug: str | None
) -> Organisation:
    """Return the staff member's organisation, the one named, or the only one there is."""
    if staff_organisation_id is not None:
        own = await session.get_one(Organisation, staff_organisation_id)
        if slug is not None and slug != own.slug:
            raise NotAllowed("other_organisation")
        return own
    if slug is not None:
        named = await session.scalar(select(Organisation).where(Organisation.slug == slug))
        if named is None:
            raise Invalid("unknown_organisation", slug=slug)
        return named
    every = list(await session.scalars(select(Organisation).order_by(Organisation.slug)))
    if len(every) != 1:
        raise Invalid("organisation_required", known=", ".join(o.slug for o in every))
    return every[0]


async def site_of(session: AsyncSession, *, organisation_id: int, slug: str | None) -> Site:
    """Return the site named by slug, or the organisation's first site."""
    stmt = select(Site).where(Site.organisation_id == organisation_id)
    stmt = stmt.where(Site.slug == slug) if slug else stmt.order_by(Site.id).limit(1)
    site = await session.scalar(stmt)
    if site is None:
        raise Invalid("unknown_site", slug=slug or "")
    return site


async def staff_by_name(session: AsyncSession, name: str) -> StaffMember:
    """Return an active staff member by name; raise Invalid if unknown."""
    member = await session.scalar(
        select(StaffMember).where(StaffMember.name == name, StaffMember.active.is_(True))
    )
    if member is None:
        raise Invalid("unknown_staff", name=name)
    return member
