"""`lien token`: bearer tokens for the staff API."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from lien.cli.startup import database, load_settings, refused
from lien.settings import Settings

token_app = typer.Typer(help="Jetons d'accès à l'API du personnel.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Nom de la personne ou du service.")],
    role: Annotated[str, typer.Option(help="admin, staff ou volunteer.")] = "staff",
) -> None:
    """Créer un jeton d'accès ; il est affiché une seule fois, en dernière ligne."""
    try:
        token = asyncio.run(_token(load_settings(), name, role))
    except ValueError as exc:
        raise refused(exc) from exc
    typer.echo(f"Jeton créé pour « {name} » (rôle {role}). Conservez-le, il ne sera plus affiché :")
    typer.echo(token)


async def _token(settings: Settings, name: str, role: str) -> str:
    from db.session import transaction
    from lien.auth import create_token

    async with database(settings) as sessionmaker, transaction(sessionmaker) as session:
        return await create_token(session, name=name, role=role)
