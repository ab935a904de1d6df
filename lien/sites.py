"""Organisations and their sites: creation, the site's details, its school-holiday zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbound import OPENING_HOURS
from db.errors import ConflictError, InvalidError
from db.models import Organisation, Site
from gateway.records import ensure_organisation

ZONES = ("A", "B", "C")
ZONES_FILE = Path(__file__).parent / "data" / "school_zones.yaml"
# What a site's `info` holds besides the mail hours the notices already read; the accueil
# reads the opening hours in its acknowledgement.
ADDRESS, POSTCODE = "address", "postcode"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_POSTCODE = re.compile(r"^\d{5}$")


@cache
def _zone_by_department() -> dict[str, str]:
    raw = yaml.safe_load(ZONES_FILE.read_text(encoding="utf-8"))
    return {
        dep: zone for zone, academies in raw.items() for deps in academies.values() for dep in deps
    }


def zone_of_postcode(postcode: str) -> str | None:
    """Return the school zone of a French postcode's académie, or None (Corsica, overseas)."""
    if not _POSTCODE.match(postcode):
        raise ValueError(f"code postal invalide : « {postcode} » (cinq chiffres)")
    return _zone_by_department().get(postcode[:2])


class SiteRefused(ValueError, InvalidError):
    """An identifier or a name Lien cannot take for an association or a site."""


class OrganisationTaken(ValueError, ConflictError):
    """Another association already has this identifier."""

    code = "organisation_taken"


def check_slug(slug: str) -> str:
    """Return a valid identifier (lowercase letters, digits, dashes) or raise ValueError."""
    if not _SLUG.match(slug):
        raise SiteRefused(f"identifiant invalide : « {slug} » (minuscules, chiffres et tirets)")
    return slug


@dataclass(frozen=True)
class SiteDetails:
    """What staff may set on a site; None leaves a value as it is."""

    name: str | None = None
    address: str | None = None
    postcode: str | None = None
    opening_hours: str | None = None
    school_zone: str | None = None


async def create_organisation(
    session: AsyncSession, *, slug: str, name: str, site_slug: str, site_name: str
) -> Organisation:
    """Create an organisation with its first site; ValueError if the slug is taken."""
    check_slug(slug)
    check_slug(site_slug)
    if not name.strip():
        raise SiteRefused("indiquez le nom de l'association")
    if await session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise OrganisationTaken(f"une association porte déjà l'identifiant « {slug} »")
    site = await ensure_organisation(
        session, slug=slug, name=name.strip(), site_slug=site_slug, site_name=site_name.strip()
    )
    return await session.get_one(Organisation, site.organisation_id)


async def site_in(session: AsyncSession, *, organisation_id: int, slug: str) -> Site:
    """Return the organisation's site of that slug; LookupError if it has none."""
    site = await session.scalar(
        select(Site).where(Site.organisation_id == organisation_id, Site.slug == slug)
    )
    if site is None:
        raise LookupError(f"site inconnu : « {slug} »")
    return site


async def create_site(
    session: AsyncSession, *, organisation_id: int, slug: str, details: SiteDetails
) -> Site:
    """Add a site to an organisation; ValueError if its slug is taken there."""
    check_slug(slug)
    taken = await session.scalar(
        select(Site.id).where(Site.organisation_id == organisation_id, Site.slug == slug)
    )
    if taken is not None:
        raise ValueError(f"l'association a déjà un site « {slug} »")
    if not (details.name or "").strip():
        raise ValueError("indiquez le nom du site")
    site = Site(organisation_id=organisation_id, slug=slug, name="", info={})
    session.add(site)
    update_site(site, details)
    await session.flush()
    return site


def update_site(site: Site, details: SiteDetails) -> None:
    """Apply the details given; the zone follows the postcode unless one is named."""
    info = dict(site.info or {})
    if details.name is not None:
        if not details.name.strip() or len(details.name) > 200:
            raise ValueError("le nom du site est vide ou trop long (200 caractères au plus)")
        site.name = details.name.strip()
    for key, value in (
        (ADDRESS, details.address),
        (OPENING_HOURS, details.opening_hours),
    ):
        if value is not None:
            if len(value) > 500:
                raise ValueError("500 caractères au plus par champ")
            info[key] = value.strip()
    zone = details.school_zone
    if zone is not None and zone not in ZONES:
        raise ValueError(f"zone de vacances inconnue : « {zone} » (A, B ou C)")
    if details.postcode is not None:
        derived = zone_of_postcode(details.postcode)
        info[POSTCODE] = details.postcode
        zone = zone or derived
    if zone is not None:
        site.school_zone = zone
    site.info = info
