"""`lien privacy`: retention purge, one person's export and erasure, key rotation."""

from __future__ import annotations

import asyncio
import json
from contextlib import AbstractAsyncContextManager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from lien.cli.startup import load_settings, running

if TYPE_CHECKING:
    from gateway.privacy.retention import PurgeReport
    from lien.runtime import Runtime

privacy_app = typer.Typer(
    help="Données personnelles : conservation, export, effacement, chiffrement.",
    no_args_is_help=True,
)
console = Console()


class Format(StrEnum):
    json = "json"
    html = "html"


def _runtime() -> AbstractAsyncContextManager[Runtime]:
    return running(load_settings())


@privacy_app.command("purge")
def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Montrer ce qui partirait, sans rien effacer.")
    ] = False,
) -> None:
    """Appliquer maintenant les durées de conservation de chaque association."""
    from gateway.privacy.labels import section_texts

    reports = asyncio.run(_purge(dry_run))
    _title, labels = section_texts("retention")
    title = "Purge simulée : rien n'a été effacé" if dry_run else "Purge effectuée"
    table = Table(title=title)
    for column in ("Association", "Type de données", "Lignes"):
        table.add_column(column, justify="right" if column == "Lignes" else "left")
    for report in reports:
        for kind, count in report.counts.items():
            shown = f"{labels[kind]} ({kind})" if kind in labels else kind
            table.add_row(report.organisation, shown, str(count))
    console.print(table)


async def _purge(dry_run: bool) -> list[PurgeReport]:
    from db.base import utcnow
    from db.session import transaction
    from gateway.privacy.retention import purge_all

    async with _runtime() as runtime, transaction(runtime.sessionmaker) as session:
        return list(await purge_all(session, runtime.privacy, now=utcnow(), dry_run=dry_run))


@privacy_app.command("export")
def export(
    beneficiary_id: Annotated[int, typer.Argument(help="Numéro de la fiche.")],
    format: Annotated[Format, typer.Option("--format", help="json ou html.")] = Format.json,
    output: Annotated[
        Path | None, typer.Option("--output", help="Fichier à écrire (sinon la sortie standard).")
    ] = None,
) -> None:
    """Exporter toutes les données d'une personne (demande de droit d'accès)."""
    from gateway.privacy.sources import UnknownBeneficiary

    try:
        text = asyncio.run(_export(beneficiary_id, format))
    except UnknownBeneficiary as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        raise typer.Exit(2) from exc
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Export écrit dans {output}", err=True)


async def _export(beneficiary_id: int, format: Format) -> str:
    from db.session import transaction
    from gateway.privacy.export import export_person
    from lien.document import render_export_html

    async with _runtime() as runtime, transaction(runtime.sessionmaker) as session:
        data = await export_person(
            session,
            runtime.privacy,
            beneficiary_id=beneficiary_id,
            staff_id=None,
            document=format.value,
            via="cli",
        )
        if format is Format.html:
            return render_export_html(data, timezone=runtime.settings.timezone)
        return json.dumps(data, ensure_ascii=False, indent=2)


@privacy_app.command("erase")
def erase(
    beneficiary_id: Annotated[int, typer.Argument(help="Numéro de la fiche.")],
    yes: Annotated[bool, typer.Option("--yes", help="Ne pas demander de confirmation.")] = False,
) -> None:
    """Effacer les données d'une personne ; les statistiques anonymes restent."""
    from gateway.privacy.sources import UnknownBeneficiary

    if not yes:
        typer.confirm(
            f"Effacer définitivement les données de la fiche {beneficiary_id} ?", abort=True
        )
    try:
        rows, deleted = asyncio.run(_erase(beneficiary_id))
    except UnknownBeneficiary as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"Fiche {beneficiary_id} effacée : " + ", ".join(f"{k} {v}" for k, v in rows.items())
    )
    if deleted:
        typer.echo(f"Messages supprimés chez Twilio : {deleted}")


async def _erase(beneficiary_id: int) -> tuple[dict[str, int], int]:
    from db.base import utcnow
    from db.session import transaction
    from gateway.privacy.erasure import erase_person
    from gateway.privacy.provider_deletions import TWILIO, process_deletions

    async with _runtime() as runtime:
        async with transaction(runtime.sessionmaker) as session:
            done = await erase_person(
                session,
                runtime.privacy,
                beneficiary_id=beneficiary_id,
                staff_id=None,
                via="cli",
            )
        deleted = 0
        if runtime.twilio is not None and done.provider_deletions:
            deleted = (
                await process_deletions(
                    runtime.sessionmaker, runtime.twilio, provider=TWILIO, now=utcnow()
                )
            ).done
        return done.rows, deleted


@privacy_app.command("provider-deletions")
def provider_deletions() -> None:
    """Supprimer maintenant chez Twilio les messages des personnes effacées."""
    done, retried, failed = asyncio.run(_provider_deletions())
    typer.echo(f"Supprimés : {done} ; à réessayer : {retried} ; abandonnés : {failed}")


async def _provider_deletions() -> tuple[int, int, int]:
    from db.base import utcnow
    from gateway.privacy.provider_deletions import TWILIO, process_deletions

    async with _runtime() as runtime:
        if runtime.twilio is None:
            typer.echo("Le canal SMS n'est pas configuré : rien à faire.", err=True)
            return 0, 0, 0
        outcome = await process_deletions(
            runtime.sessionmaker, runtime.twilio, provider=TWILIO, now=utcnow(), limit=1000
        )
        return outcome.done, outcome.retried, outcome.failed


@privacy_app.command("rotate-key")
def rotate_key() -> None:
    """Rechiffrer tous les messages avec la première clé de LIEN_MESSAGE_KEY."""
    settings = load_settings()
    if settings.message_keys() is None:
        typer.echo("LIEN_MESSAGE_KEY n'est pas défini : aucune clé pour chiffrer.", err=True)
        raise typer.Exit(2)
    changed = asyncio.run(_rotate())
    typer.echo(f"Messages rechiffrés avec la nouvelle clé : {changed}")


async def _rotate() -> int:
    from sqlalchemy import func, select

    from db.encryption import reencrypt_batch
    from db.models import Message
    from db.session import transaction

    async with _runtime() as runtime:
        keys = runtime.settings.message_keys()
        assert keys is not None
        async with transaction(runtime.sessionmaker) as session:
            highest = await session.scalar(select(func.max(Message.id)))
        changed, last = 0, 0
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Rechiffrement", total=highest or 0)
            while True:
                # One short transaction per batch: the dispatcher keeps running meanwhile.
                async with transaction(runtime.sessionmaker) as session:
                    next_last, count = await reencrypt_batch(session, keys, after_id=last)
                if next_last is None:
                    return changed
                progress.update(task, completed=next_last)
                changed, last = changed + count, next_last
