"""`lien staff`: console accounts from the command line (the first administrator, say)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from lien.cli_organisations import OrganisationOption
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
    from lien.cli import _settings

    if password is None:
        password = typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    try:
        asyncio.run(
            _create(
                _settings(),
                email=email,
                name=name,
                role=role,
                password=password,
                organisation=organisation,
            )
        )
    except ValueError as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Compte créé : {email.strip().lower()} ({role}).")


async def _create(
    settings: Settings, *, email: str, name: str, role: str, password: str, organisation: str | None
) -> None:
    from lien.auth import organisation_by_slug
    from lien.console.accounts import create_staff_member
    from lien.runtime import start_runtime, stop_runtime

    runtime = await start_runtime(settings)
    try:
        async with runtime.sessionmaker() as session, session.begin():
            owner = await organisation_by_slug(session, organisation)
            await create_staff_member(
                session,
                email=email,
                name=name,
                role=role,
                password=password,
                organisation_id=owner.id,
            )
    finally:
        await stop_runtime(runtime)
