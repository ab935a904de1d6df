"""Running Lien: the whole gateway, workers alone, or a chat in the terminal as a beneficiary."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lien.cli.flows import refuse_broken_files
from lien.cli.startup import load_settings, refused, running
from lien.settings import Settings

HEADER_LIMIT = 16 * 1024


def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port d'écoute.")] = 8000,
    demo: Annotated[bool, typer.Option(help="Charger les données de démonstration.")] = False,
) -> None:
    """Lancer la passerelle : webhooks, API du personnel, envois et tâches périodiques."""
    import uvicorn

    from lien.app import create_app
    from lien.safety import UnsafeStart, refuse_unsafe_settings

    configured = load_settings()
    try:
        refuse_unsafe_settings(configured, host=host, demo=demo)
        settings = load_settings(environment="demo") if demo else configured
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
    from lien.runtime import open_database
    from lien.safety import refuse_demo_on_real_data

    tokens: list[str] = []
    logins: list[DemoLogin] = []

    async def demo(session: AsyncSession) -> None:
        await refuse_demo_on_real_data(session, frozenset(email for _, email, _, _ in DEMO_LOGINS))
        tokens.append(await load_demo(session))
        logins.extend(await load_demo_logins(session))

    # Demo organisations first: unknown senders then reach the Nîmes reception point.
    engine, _sessionmaker = await open_database(settings, before_bootstrap=demo)
    await engine.dispose()
    token = tokens[0]
    typer.echo("Données de démonstration chargées (AMI Nîmes, AMI Aude — Lézignan).")
    typer.echo(f"Jeton administrateur de démonstration : {token}")
    typer.echo("Connexions de démonstration à la console :")
    for login in logins:
        typer.echo(f"  {login.role:<10} {login.email:<24} mot de passe : {login.password}")


def worker() -> None:
    """Lancer les envois, le traitement des messages reçus et les tâches périodiques."""
    settings = load_settings()
    refuse_broken_files(settings)
    # The loop `lien serve` runs on (uvicorn's, where uvloop is installed): the same speed.
    run_loop: Callable[[Coroutine[Any, Any, None]], None] = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop

        run_loop = uvloop.run
    run_loop(_worker(settings))


async def _worker(settings: Settings) -> None:
    from lien.runtime import start_runtime, stop_runtime
    from lien.scheduler import start_scheduler
    from lien.wiring import wire_domains

    runtime = await start_runtime(settings)
    wire_domains(runtime)
    scheduler = start_scheduler(runtime)
    typer.echo(f"Worker démarré ; canaux : {', '.join(sorted(runtime.channels))}")
    consumers = runtime.start_consumers()
    try:
        await runtime.dispatcher.run_forever()
    finally:
        runtime.consumer.stop()
        await asyncio.gather(*consumers, return_exceptions=True)
        scheduler.shutdown(wait=False)
        await stop_runtime(runtime)


def chat(
    sender: Annotated[str, typer.Option("--from", help="Numéro du bénéficiaire simulé.")] = (
        "+33600000000"
    ),
) -> None:
    """Discuter dans le terminal comme un bénéficiaire (canal simulateur, sans réseau)."""
    settings = load_settings()
    refuse_broken_files(settings)
    asyncio.run(_chat(settings, sender))


async def _chat(settings: Settings, sender: str) -> None:
    from db.session import transaction
    from gateway.phones import InvalidPhoneNumber
    from lien.api.simulator import simulate

    async with running(settings) as runtime:
        typer.echo("Simulateur : écrivez un message (Ctrl-D pour quitter).")
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
                raise refused(exc) from exc
            await runtime.dispatcher.run_once()
            for reply in summary.replies:
                typer.echo(f"lien > {reply.text}")
            if not summary.replies:
                typer.echo(f"(message transmis à l'équipe : {summary.handled_by})")
