"""`lien token`: bearer tokens for the staff API."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from lien.cli.organisations import OrganisationOption
from lien.cli.startup import database, load_settings, refused
from lien.settings import Settings

token_app = typer.Typer(help="Jetons d'accès à l'API du personnel.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Nom de la personne ou du service.")],
    role: Annotated[str, typer.Option(help="admin, staff, volunteer ou operator.")] = "staff",
    organisation: OrganisationOption = None,
) -> None:
    """Créer un jeton d'accès ; il est affiché une seule fois, en dernière ligne."""
    try:
        token = asyncio.run(_token(load_settings(), name, role, organisation))
    except ValueError as exc:
        raise refused(exc) from exc
    typer.echo(f"Jeton créé pour « {name} » (rôle {role}). Conservez-le, il ne sera plus affiché :")
    typer.echo(token)


async def _token(settings: Settings, name: str, role: str, organisation: str | None) -> str:
    from db.session import transaction
    from lien.auth import OPERATOR, create_token, organisation_by_slug

    async with database(settings) as sessionmaker, transaction(sessionmaker) as session:
        owner = None
        if role != OPERATOR:
            owner = (await organisation_by_slug(session, organisation)).id
        elif organisation is not None:
            raise ValueError("l'opérateur de l'instance n'appartient à aucune association")
        return await create_token(session, name=name, role=role, organisation_id=owner)
