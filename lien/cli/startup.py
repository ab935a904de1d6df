"""One start-up for every command: settings, logs with secrets hidden, the app's database.

Every command opens the database through here, so each one gets the message keys, the migrations
and the organisation exactly as `lien serve` does, and shows a refusal the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

from lien.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from db.session import SessionMaker
    from lien.runtime import Runtime

T = TypeVar("T")


def refusals() -> tuple[type[Exception], ...]:
    """Return what a domain refuses: the user's to fix, shown as an error with exit code 2."""
    # Imported on use, so that `lien --help` does not load the database layer.
    from broadcast.texts import BroadcastError
    from gateway.phones import InvalidPhoneNumber
    from notifications.states import Conflict

    return (BroadcastError, Conflict, InvalidPhoneNumber, LookupError, ValueError)


def load_settings(**overrides: object) -> Settings:
    """Read the settings and set up the logs, with every configured secret hidden."""
    from lien.logs import configure_logging

    settings = Settings(**overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_level, secrets=settings.secrets())
    return settings


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[SessionMaker]:
    """Open the database as the app does (message keys, migrations, an organisation)."""
    from lien.runtime import open_database

    engine, sessionmaker = await open_database(settings)
    try:
        yield sessionmaker
    finally:
        await engine.dispose()


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Runtime]:
    """Start the runtime with its channels and the domains wired, for commands that send."""
    from lien.runtime import start_runtime, stop_runtime
    from lien.wiring import wire_domains

    runtime = await start_runtime(settings)
    wire_domains(runtime)
    try:
        yield runtime
    finally:
        await stop_runtime(runtime)


def refused(exc: Exception) -> typer.Exit:
    """Print a refusal in French and return the exit to raise."""
    Console(stderr=True).print(f"[red]Erreur :[/red] {str(exc).strip(chr(39))}", highlight=False)
    return typer.Exit(2)


def run_in_transaction(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """Run one piece of work in one transaction; a refusal ends the command with its reason."""
    from db.session import transaction

    config = load_settings()

    async def main() -> T:
        async with database(config) as sessionmaker, transaction(sessionmaker) as session:
            return await work(session, config)

    try:
        return asyncio.run(main())
    except refusals() as exc:
        raise refused(exc) from exc


def run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one piece of work that needs only the session, in one transaction."""

    async def with_session(session: AsyncSession, _settings: Settings) -> T:
        return await work(session)

    return run_in_transaction(with_session)
