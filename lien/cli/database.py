"""`lien db`: the database schema."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from lien.cli.startup import load_settings
from lien.settings import Settings

db_app = typer.Typer(help="Base de données : migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Révision cible.")] = "head",
) -> None:
    """Appliquer les migrations de la base de données."""
    asyncio.run(_upgrade(load_settings(), revision))


async def _upgrade(settings: Settings, revision: str) -> None:
    from db.migrate import current_revision, upgrade
    from db.session import create_engine

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine, revision)
        typer.echo(f"Base à jour (révision {await current_revision(engine)}).")
    finally:
        await engine.dispose()
