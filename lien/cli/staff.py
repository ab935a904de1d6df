"""`lien staff`: console accounts from the command line (the first administrator, say)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from db.session import transaction
from lien.cli.organisations import OrganisationOption
from lien.cli.startup import database, load_settings, refused
from lien.settings import Settings

staff_app = typer.Typer(help="Comptes du personnel pour la console web.", no_args_is_help=True)


@staff_app.command("create")
def staff_create(
    email: Annotated[str, typer.Option(help="Adresse e-mail, qui sert d'identifiant.")],
    name: Annotated[str, typer.Option(help="Nom affiché dans la console.")],
    role: Annotated[str, typer.Option(help="admin, staff ou volunteer.")] = "staff",
    password: Annotated[
        str | None,
        typer.Option(help="Mot de passe (12 caractères au moins) ; demandé s'il manque."),
    ] = None,
    organisation: OrganisationOption = None,
) -> None:
    """Créer un compte pour la console (le premier administrateur, par exemple)."""
    if password is None:
        password = typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    try:
        asyncio.run(
            _create(
                load_settings(),
                email=email,
                name=name,
                role=role,
                password=password,
                organisation=organisation,
            )
        )
    except ValueError as exc:
        raise refused(exc) from exc
    typer.echo(f"Compte créé : {email.strip().lower()} ({role}).")


async def _create(
    settings: Settings, *, email: str, name: str, role: str, password: str, organisation: str | None
) -> None:
    from lien.auth import organisation_by_slug
    from lien.console.accounts import create_staff_member

    async with database(settings) as sessionmaker, transaction(sessionmaker) as session:
        owner = await organisation_by_slug(session, organisation)
        await create_staff_member(
            session,
            email=email,
            name=name,
            role=role,
            password=password,
            organisation_id=owner.id,
        )
