"""The `lien` command: run the gateway, manage the database and tokens, chat as a beneficiary."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lien.cli_broadcast import broadcast_app
from lien.cli_events import events_app, mail_app
from lien.cli_flows import flows_app, refuse_broken_files
from lien.cli_import import import_app
from lien.cli_outbox import outbox_app
from lien.cli_privacy import privacy_app
from lien.cli_staff import staff_app
from lien.settings import Settings

app = typer.Typer(
    help="Lien — passerelle de messages pour les associations (SMS, Telegram, simulateur).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="Base de données : migrations.", no_args_is_help=True)
token_app = typer.Typer(help="Jetons d'accès à l'API du personnel.", no_args_is_help=True)
telegram_app = typer.Typer(help="Canal Telegram.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(telegram_app, name="telegram")
app.add_typer(outbox_app, name="outbox")
app.add_typer(events_app, name="events")
app.add_typer(mail_app, name="mail")
app.add_typer(staff_app, name="staff")
app.add_typer(privacy_app, name="privacy")
app.add_typer(flows_app, name="flows")
app.add_typer(broadcast_app, name="broadcast")
app.add_typer(import_app, name="import")


HEADER_LIMIT = 16 * 1024


def _settings(**overrides: object) -> Settings:
    from lien.logs import configure_logging

    settings = Settings(**overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_level, secrets=settings.secrets())
    return settings


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port d'écoute.")] = 8000,
    demo: Annotated[bool, typer.Option(help="Charger les données de démonstration.")] = False,
) -> None:
    """Lancer la passerelle : webhooks, API du personnel, envois et tâches périodiques."""
    import uvicorn

    from lien.app import create_app
    from lien.safety import UnsafeStart, refuse_unsafe_settings

    configured = _settings()
    try:
        refuse_unsafe_settings(configured, host=host, demo=demo)
        settings = _settings(environment="demo") if demo else configured
        refuse_broken_files(settings)
        if demo:
            asyncio.run(_prepare_demo(settings))
    except UnsafeStart as exc:
        typer.echo(f"Démarrage refusé : {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"Lien écoute sur http://{host}:{port}  (console : /, documentation de l'API : /docs)"
    )
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=int(settings.keep_alive_seconds),
        # Headers larger than this are refused by the HTTP parser before Lien sees them.
        h11_max_incomplete_event_size=HEADER_LIMIT,
    )


async def _prepare_demo(settings: Settings) -> None:
    from lien.demo import DEMO_LOGINS, DemoLogin, load_demo, load_demo_logins
    from lien.runtime import start_runtime, stop_runtime
    from lien.safety import refuse_demo_on_real_data

    tokens: list[str] = []
    logins: list[DemoLogin] = []

    async def demo(session: AsyncSession) -> None:
        await refuse_demo_on_real_data(session, frozenset(email for _, email, _, _ in DEMO_LOGINS))
        tokens.append(await load_demo(session))
        logins.extend(await load_demo_logins(session))

    # Demo organisations first: unknown senders then reach the Nîmes reception point.
    runtime = await start_runtime(settings, before_bootstrap=demo)
    await stop_runtime(runtime)
    token = tokens[0]
    typer.echo("Données de démonstration chargées (AMI Nîmes, AMI Aude — Lézignan).")
    typer.echo(f"Jeton administrateur de démonstration : {token}")
    typer.echo("Connexions de démonstration à la console :")
    for login in logins:
        typer.echo(f"  {login.role:<10} {login.email:<24} mot de passe : {login.password}")


@app.command()
def worker() -> None:
    """Lancer seulement les envois et les tâches périodiques (plusieurs processus possibles)."""
    settings = _settings()
    refuse_broken_files(settings)
    asyncio.run(_worker(settings))


async def _worker(settings: Settings) -> None:
    from lien.runtime import start_runtime, stop_runtime
    from lien.scheduler import start_scheduler
    from lien.wiring import wire_domains

    runtime = await start_runtime(settings)
    wire_domains(runtime)
    scheduler = start_scheduler(runtime)
    typer.echo(f"Worker démarré ; canaux : {', '.join(sorted(runtime.channels))}")
    try:
        await runtime.dispatcher.run_forever()
    finally:
        scheduler.shutdown(wait=False)
        await stop_runtime(runtime)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Révision cible.")] = "head",
) -> None:
    """Appliquer les migrations de la base de données."""
    asyncio.run(_upgrade(_settings(), revision))


async def _upgrade(settings: Settings, revision: str) -> None:
    from db.migrate import current_revision, upgrade
    from db.session import create_engine

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine, revision)
        typer.echo(f"Base à jour (révision {await current_revision(engine)}).")
    finally:
        await engine.dispose()


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Nom de la personne ou du service.")],
    role: Annotated[str, typer.Option(help="admin, staff ou volunteer.")] = "staff",
    expires_in_days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="Valable ce nombre de jours (défaut : sans fin)."),
    ] = None,
) -> None:
    """Créer un jeton d'accès ; il est affiché une seule fois, en dernière ligne."""
    try:
        token = asyncio.run(_token(_settings(), name, role, expires_in_days))
    except ValueError as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Jeton créé pour « {name} » (rôle {role}). Conservez-le, il ne sera plus affiché :")
    typer.echo(token)


async def _token(settings: Settings, name: str, role: str, days: int | None) -> str:
    from datetime import timedelta

    from db.base import utcnow
    from lien.auth import create_token
    from lien.runtime import start_runtime, stop_runtime

    runtime = await start_runtime(settings)
    expires_at = utcnow() + timedelta(days=days) if days else None
    try:
        async with runtime.sessionmaker() as session, session.begin():
            return await create_token(session, name=name, role=role, expires_at=expires_at)
    finally:
        await stop_runtime(runtime)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


@token_app.command("list")
def token_list() -> None:
    """Lister les jetons : compte, rôle, création, dernier usage, expiration, révocation."""
    from lien.cli_db import run
    from lien.tokens import list_tokens

    lines = run(list_tokens)
    typer.echo("n°\tcompte\trôle\tcréé\tdernier usage\texpire\trévoqué")
    for t in lines:
        typer.echo(
            f"{t.id}\t{t.name}\t{t.role}\t{_when(t.created_at)}\t{_when(t.last_used_at)}"
            f"\t{_when(t.expires_at)}\t{_when(t.revoked_at)}"
        )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Numéro du jeton (lien token list).")],
) -> None:
    """Révoquer un jeton : il n'ouvre plus rien, tout de suite."""
    from db.base import utcnow
    from lien.cli_db import run
    from lien.tokens import revoke_token

    async def work(session: AsyncSession) -> bool:
        return await revoke_token(session, token_id, now=utcnow())

    revoked = run(work)
    typer.echo(f"Jeton n° {token_id} révoqué." if revoked else f"Jeton n° {token_id} déjà révoqué.")


@app.command()
def chat(
    sender: Annotated[str, typer.Option("--from", help="Numéro du bénéficiaire simulé.")] = (
        "+33600000000"
    ),
) -> None:
    """Discuter dans le terminal comme un bénéficiaire (canal simulateur, sans réseau)."""
    settings = _settings()
    refuse_broken_files(settings)
    asyncio.run(_chat(settings, sender))


async def _chat(settings: Settings, sender: str) -> None:
    from db.session import transaction
    from gateway.phones import InvalidPhoneNumber
    from lien.api.simulator import simulate
    from lien.runtime import start_runtime, stop_runtime
    from lien.wiring import wire_domains

    runtime = await start_runtime(settings)
    wire_domains(runtime)
    typer.echo("Simulateur : écrivez un message (Ctrl-D pour quitter).")
    try:
        while True:
            try:
                text = await asyncio.to_thread(input, "vous > ")
            except EOFError:
                break
            if not text.strip():
                continue
            try:
                async with transaction(runtime.sessionmaker) as session:
                    summary = await simulate(runtime, session, sender=sender, text=text)
            except InvalidPhoneNumber as exc:
                typer.echo(f"Erreur : {exc}", err=True)
                raise typer.Exit(2) from exc
            await runtime.dispatcher.run_once()
            for reply in summary.replies:
                typer.echo(f"lien > {reply.text}")
            if not summary.replies:
                typer.echo(f"(message transmis à l'équipe : {summary.handled_by})")
    finally:
        await stop_runtime(runtime)


@telegram_app.command("set-webhook")
def telegram_set_webhook() -> None:
    """Déclarer à Telegram l'adresse LIEN_PUBLIC_URL/webhooks/telegram avec le secret."""
    settings = _settings()
    if (reason := settings.telegram_disabled_reason()) is not None:
        typer.echo(f"Telegram n'est pas configuré : {reason}", err=True)
        raise typer.Exit(2)
    url = f"{settings.base_url}/webhooks/telegram"
    ok = asyncio.run(_set_webhook(settings, url))
    typer.echo(f"Webhook {'enregistré' if ok else 'refusé'} : {url}")
    if not ok:
        raise typer.Exit(1)


async def _set_webhook(settings: Settings, url: str) -> bool:
    from gateway.channels.telegram import TelegramChannel

    channel = TelegramChannel(
        token=settings.telegram_bot_token or "", api_url=settings.telegram_api_url
    )
    await channel.start()
    try:
        return await channel.set_webhook(url, settings.telegram_webhook_secret or "")
    finally:
        await channel.stop()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        app(prog_name="lien")


if __name__ == "__main__":
    main()
