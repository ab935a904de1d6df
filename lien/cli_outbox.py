"""`lien outbox check`: the stuck outgoing messages, counted and listed; exit 1 if any."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from gateway.outbox_health import OutboxHealth, StuckRules
from gateway.reconcile import Reconciled
from lien.settings import Settings

if TYPE_CHECKING:
    from db.session import SessionMaker

outbox_app = typer.Typer(
    help="File d'envoi : messages bloqués, rapprochement.", no_args_is_help=True
)

KIND_LABELS = {
    "queued_late": "en file bien après l'heure prévue",
    "lease_expired": "envoi interrompu, repris par aucun worker",
    "unknown_unresolved": "issue inconnue, sans rapport du fournisseur",
}


@outbox_app.command("check")
def check(
    queued_minutes: Annotated[
        float, typer.Option(help="Un message dû depuis plus longtemps est bloqué (minutes).")
    ] = 30,
    lease_minutes: Annotated[
        float, typer.Option(help="Un bail d'envoi expiré depuis plus longtemps (minutes).")
    ] = 1,
    unknown_hours: Annotated[
        float, typer.Option(help="Une issue inconnue depuis plus longtemps (heures).")
    ] = 1,
    limit: Annotated[int, typer.Option(help="Messages listés par sorte de blocage.")] = 20,
    reconcile: Annotated[
        bool,
        typer.Option(
            "--reconcile",
            help="Demander d'abord à Twilio l'issue des envois inconnus depuis 5 minutes.",
        ),
    ] = False,
) -> None:
    """Lister les messages sortants bloqués ; code de sortie 1 s'il y en a."""
    from lien.cli import _settings

    rules = StuckRules(
        queued_late=timedelta(minutes=queued_minutes),
        lease_grace=timedelta(minutes=lease_minutes),
        unknown_after=timedelta(hours=unknown_hours),
    )
    health = asyncio.run(_check(_settings(), rules, limit=limit, reconcile=reconcile))
    raise typer.Exit(1 if health.stuck_total else 0)


async def _check(
    settings: Settings, rules: StuckRules, *, limit: int, reconcile: bool
) -> OutboxHealth:
    from db.base import utcnow
    from db.session import create_sessionmaker, transaction
    from gateway.outbox_health import outbox_health
    from lien.engine import open_engine

    engine = open_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    console = Console()
    try:
        if reconcile:
            _show_reconciled(console, await _reconcile(settings, sessionmaker))
        async with transaction(sessionmaker) as session:
            health = await outbox_health(session, now=utcnow(), rules=rules, limit=limit)
    finally:
        await engine.dispose()
    show(console, health)
    return health


async def _reconcile(settings: Settings, sessionmaker: SessionMaker) -> Reconciled | str:
    from db.base import utcnow
    from gateway.channels.twilio import TwilioChannel
    from gateway.reconcile import reconcile_unknown
    from lien.runtime import build_channels

    channels, disabled = build_channels(settings)
    sms = channels.get("sms")
    if not isinstance(sms, TwilioChannel):
        return disabled.get("sms", "canal SMS absent")
    await sms.start()
    try:
        return await reconcile_unknown(sessionmaker, lookups={"sms": sms}, now=utcnow())
    finally:
        await sms.stop()


def _show_reconciled(console: Console, result: Reconciled | str) -> None:
    if isinstance(result, str):
        console.print(f"Rapprochement impossible : {result}")
        return
    console.print(
        f"Rapprochement Twilio : {result.asked} demandés, {result.updated} mis à jour, "
        f"{result.not_received} jamais parvenus à Twilio (clos : non envoyés), "
        f"{result.unknown_to_provider} identifiants inconnus de Twilio, {result.errors} erreurs."
    )


def show(console: Console, health: OutboxHealth) -> None:
    """Print the counts, the stuck messages and the paused channels."""
    counts = Table(title="Messages sortants par canal et statut")
    counts.add_column("canal")
    counts.add_column("statut")
    counts.add_column("nombre", justify="right")
    for channel, by_status in health.counts.items():
        for status, count in by_status.items():
            counts.add_row(channel, status, str(count))
    console.print(counts)
    for paused in health.paused:
        until = paused.until.isoformat(timespec="seconds")
        console.print(f"Canal {paused.channel} en pause jusqu'à {until} : {paused.reason or '—'}")
    if not health.stuck_total:
        console.print("Aucun message bloqué.")
        return
    for kind, by_channel in health.stuck_counts.items():
        for channel, count in by_channel.items():
            console.print(f"Bloqués ({KIND_LABELS[kind]}) — {channel} : {count}")
    stuck = Table(title="Messages bloqués (les plus anciens d'abord)")
    for column in ("id", "canal", "statut", "depuis", "id fournisseur", "raison"):
        stuck.add_column(column)
    for item in health.stuck:
        stuck.add_row(
            str(item.id),
            item.channel,
            item.status,
            item.since.isoformat(timespec="seconds"),
            item.provider_id or "—",
            item.reason or KIND_LABELS[item.kind],
        )
    console.print(stuck)
