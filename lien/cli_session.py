"""What the command line shares: settings, an open database, one transaction per command."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

from broadcast.texts import BroadcastError
from db.migrate import upgrade
from db.session import SessionMaker, create_sessionmaker, transaction
from gateway.records import ensure_organisation
from lien.engine import open_engine
from lien.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def settings() -> Settings:
    from lien.logs import configure_logging

    loaded = Settings()
    configure_logging(loaded.log_level)
    return loaded


@asynccontextmanager
async def database(config: Settings) -> AsyncIterator[SessionMaker]:
    """Open the database, migrated, with the default organisation as `serve` creates it."""
    engine = open_engine(config)
    try:
        await upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        async with transaction(sessionmaker) as session:
            await ensure_organisation(
                session,
                slug="default",
                name=config.organisation_name,
                site_slug="accueil",
                site_name=config.site_name,
            )
        yield sessionmaker
    finally:
        await engine.dispose()


def run_in_transaction(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """Run one piece of work in one transaction; a refusal ends the command with its reason."""
    config = settings()

    async def main() -> T:
        async with database(config) as sessionmaker, transaction(sessionmaker) as session:
            return await work(session, config)

    try:
        return asyncio.run(main())
    except (BroadcastError, ValueError) as exc:
        Console(stderr=True).print(f"[red]Erreur :[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
