"""`lien inbox check`: the inbound messages not handled yet, late or failing; exit 1 if any."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gateway.arrival_health import InboxHealth
from lien.cli.startup import database, load_settings
from lien.settings import Settings

inbox_app = typer.Typer(help="Messages reçus en attente de traitement.", no_args_is_help=True)

STATUS_LABELS = {"pending": "en attente", "failed": "abandonné après plusieurs essais"}


@inbox_app.command("check")
def check(
    late_minutes: Annotated[
        float, typer.Option(help="Un message reçu qui attend plus longtemps est en retard.")
    ] = 1,
    limit: Annotated[int, typer.Option(help="Messages listés au plus.")] = 20,
    retry: Annotated[
        bool,
        typer.Option("--retry", help="Remettre d'abord en file les messages abandonnés."),
    ] = False,
) -> None:
    """Lister les messages reçus en retard ou en échec ; code de sortie 1 s'il y en a."""
    health = asyncio.run(
        _check(load_settings(), late=timedelta(minutes=late_minutes), limit=limit, retry=retry)
    )
    raise typer.Exit(1 if health.stuck_total else 0)


async def _check(settings: Settings, *, late: timedelta, limit: int, retry: bool) -> InboxHealth:
    from db.base import utcnow
    from db.session import transaction
    from gateway.arrival_health import inbox_health, retry_failed

    console = Console()
    async with database(settings) as sessionmaker, transaction(sessionmaker) as session:
        if retry:
            console.print(f"Remis en file : {await retry_failed(session, now=utcnow())}")
        health = await inbox_health(session, now=utcnow(), late=late, limit=limit)
    show(console, health)
    return health


def show(console: Console, health: InboxHealth) -> None:
    """Print the counts and the late or failing messages, without their text or sender."""
    console.print(f"Messages reçus en attente : {health.pending} ; abandonnés : {health.failed}")
    if not health.stuck_total:
        console.print("Aucun message reçu en retard ni en échec.")
        return
    table = Table(title=f"Messages reçus en retard ou en échec ({health.stuck_total})")
    for column in ("id", "canal", "état", "essais", "reçu le", "prochain essai", "raison"):
        table.add_column(column)
    for item in health.stuck:
        table.add_row(
            str(item.id),
            item.channel,
            STATUS_LABELS.get(item.status, item.status),
            str(item.attempts),
            item.received_at.isoformat(timespec="seconds"),
            item.next_attempt_at.isoformat(timespec="seconds") if item.next_attempt_at else "—",
            item.error or "—",
        )
    console.print(table)
