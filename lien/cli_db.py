"""One unit of CLI work in one transaction, on a migrated database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lien.settings import Settings

T = TypeVar("T")


@asynccontextmanager
async def cli_session() -> AsyncIterator[AsyncSession]:
    """Open the configured database, migrated, in a transaction committed at the end."""
    from db.migrate import upgrade
    from db.session import create_sessionmaker, transaction
    from lien.engine import open_engine
    from lien.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    engine = open_engine(settings)
    try:
        await upgrade(engine)
        async with transaction(create_sessionmaker(engine)) as session:
            yield session
    finally:
        await engine.dispose()


def run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one unit of work; print what the domain refused as an error, exit code 2."""
    from gateway.phones import InvalidPhoneNumber
    from notifications.states import Conflict

    async def main() -> T:
        async with cli_session() as session:
            return await work(session)

    try:
        return asyncio.run(main())
    except (ValueError, LookupError, Conflict, InvalidPhoneNumber) as exc:
        typer.echo(f"Erreur : {str(exc).strip(chr(39))}", err=True)
        raise typer.Exit(2) from exc
