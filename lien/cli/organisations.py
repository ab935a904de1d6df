"""`lien organisation` and `lien site`: the associations an instance hosts, and their sites."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from db.models import Organisation, Site, StaffMember
from gateway.phones import normalize_phone
from gateway.records import INBOUND_SETTING
from lien.auth import organisation_by_slug
from lien.cli.startup import run_in_transaction
from lien.settings import Settings
from lien.sites import SiteDetails, create_organisation, create_site, site_in, update_site

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

organisation_app = typer.Typer(
    help="Associations hébergées par cette instance.", no_args_is_help=True
)
site_app = typer.Typer(help="Sites (lieux d'accueil) d'une association.", no_args_is_help=True)

OrganisationOption = Annotated[
    str | None,
    typer.Option(
        "--organisation", help="Identifiant de l'association (facultatif s'il n'y en a qu'une)."
    ),
]
ZoneOption = Annotated[
    str | None,
    typer.Option(help="Zone de vacances scolaires A, B ou C (sinon déduite du code postal)."),
]
PostcodeOption = Annotated[str | None, typer.Option(help="Code postal du site, par ex. 11200.")]
AddressOption = Annotated[str | None, typer.Option(help="Adresse du site.")]
HoursOption = Annotated[
    str | None,
    typer.Option("--opening-hours", help="Horaires d'ouverture, tels qu'ils sont envoyés."),
]


@organisation_app.command("create")
def organisation_create(
    slug: Annotated[str, typer.Option(help="Identifiant court, par ex. ami-aude.")],
    name: Annotated[str, typer.Option(help="Nom de l'association.")],
    site_slug: Annotated[str, typer.Option(help="Identifiant du premier site.")] = "accueil",
    site_name: Annotated[str, typer.Option(help="Nom du premier site.")] = "Accueil",
) -> None:
    """Créer une association et son premier site."""

    async def work(session: AsyncSession, _config: Settings) -> Organisation:
        return await create_organisation(
            session, slug=slug, name=name, site_slug=site_slug, site_name=site_name
        )

    created = run_in_transaction(work)
    typer.echo(f"Association créée : {created.slug} ({created.name}).")


@organisation_app.command("list")
def organisation_list() -> None:
    """Lister les associations, avec leurs sites et leurs comptes."""

    async def work(session: AsyncSession, _config: Settings) -> list[tuple[str, str, int, int]]:
        sites = select(func.count(Site.id)).where(Site.organisation_id == Organisation.id)
        staff = select(func.count(StaffMember.id)).where(
            StaffMember.organisation_id == Organisation.id
        )
        rows = await session.execute(
            select(
                Organisation.slug,
                Organisation.name,
                sites.scalar_subquery(),
                staff.scalar_subquery(),
            ).order_by(Organisation.slug)
        )
        return [(slug, name, int(s), int(a)) for slug, name, s, a in rows]

    table = Table("identifiant", "nom", "sites", "comptes")
    for slug, name, sites, accounts in run_in_transaction(work):
        table.add_row(slug, name, str(sites), str(accounts))
    Console().print(table)


def _details(
    name: str | None, address: str | None, postcode: str | None, hours: str | None, zone: str | None
) -> SiteDetails:
    return SiteDetails(
        name=name,
        address=address,
        postcode=postcode,
        opening_hours=hours,
        school_zone=zone.upper() if zone else None,
    )


def _zone_shown(site: Site) -> str:
    return f"zone {site.school_zone}" if site.school_zone else "sans zone de vacances"


@site_app.command("create")
def site_create(
    slug: Annotated[str, typer.Option(help="Identifiant court du site, par ex. lezignan.")],
    name: Annotated[str, typer.Option(help="Nom du site.")],
    organisation: OrganisationOption = None,
    school_zone: ZoneOption = None,
    postcode: PostcodeOption = None,
    address: AddressOption = None,
    opening_hours: HoursOption = None,
) -> None:
    """Ajouter un site à une association."""

    async def work(session: AsyncSession, _config: Settings) -> Site:
        owner = await organisation_by_slug(session, organisation)
        details = _details(name, address, postcode, opening_hours, school_zone)
        return await create_site(session, organisation_id=owner.id, slug=slug, details=details)

    site = run_in_transaction(work)
    typer.echo(f"Site créé : {site.slug} ({site.name}, {_zone_shown(site)}).")


@site_app.command("update")
def site_update(
    slug: Annotated[str, typer.Option(help="Identifiant du site.")],
    organisation: OrganisationOption = None,
    name: Annotated[str | None, typer.Option(help="Nouveau nom.")] = None,
    school_zone: ZoneOption = None,
    postcode: PostcodeOption = None,
    address: AddressOption = None,
    opening_hours: HoursOption = None,
) -> None:
    """Modifier un site : nom, adresse, horaires, code postal, zone de vacances."""

    async def work(session: AsyncSession, _config: Settings) -> Site:
        owner = await organisation_by_slug(session, organisation)
        try:
            site = await site_in(session, organisation_id=owner.id, slug=slug)
        except LookupError as exc:
            raise ValueError(str(exc)) from exc
        update_site(site, _details(name, address, postcode, opening_hours, school_zone))
        await session.flush()
        return site

    site = run_in_transaction(work)
    typer.echo(f"Site mis à jour : {site.slug} ({site.name}, {_zone_shown(site)}).")


@organisation_app.command("numbers")
def organisation_numbers(
    organisation: Annotated[str, typer.Option("--organisation", help="Identifiant.")],
    sms: Annotated[
        list[str] | None,
        typer.Option(help="Numéro Twilio ou Messaging Service (MG…) de l'association ; répétable."),
    ] = None,
) -> None:
    """Dire à quels numéros écrivent les personnes de cette association (plusieurs associations)."""

    async def work(session: AsyncSession, _config: Settings) -> list[str]:
        owner = await organisation_by_slug(session, organisation)
        numbers = [normalize_recipient(n) for n in sms or []]
        inbound = {**(owner.settings or {}).get(INBOUND_SETTING, {}), "sms": numbers}
        owner.settings = {**(owner.settings or {}), INBOUND_SETTING: inbound}
        await session.flush()
        return numbers

    numbers = run_in_transaction(work)
    shown = ", ".join(numbers) or "aucun (les nouveaux venus vont à la première association)"
    typer.echo(f"SMS reçus pour {organisation} : {shown}")


def normalize_recipient(value: str) -> str:
    """Return a messaging service id as given, a phone number in E.164."""
    value = value.strip()
    return value if value.startswith("MG") else normalize_phone(value)
