"""`lien import …`: bring an association's existing user file into Lien."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

if TYPE_CHECKING:
    from broadcast.importfile import ImportResult
    from broadcast.importing import ImportReport

COLUMN_HELP = (
    "Associer une colonne à un champ : « Portable=phone » (last_name, first_name, phone, "
    "language, site, tags, telegram_chat_id, email), ou l'écarter : « Remarques=ignore »."
)
SHEET_HELP = "Feuille du classeur à lire (par défaut la première qui a une colonne de contact)."
import_app = typer.Typer(help="Importer des données existantes.", no_args_is_help=True)


@import_app.command("beneficiaries")
def beneficiaries(
    file: Annotated[
        Path,
        typer.Argument(
            help="Fichier usagers : CSV (tout séparateur, UTF-8 ou Windows-1252) ou XLSX.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Tout vérifier et tout montrer, sans rien enregistrer."),
    ] = False,
    site: Annotated[
        str | None, typer.Option(help="Site (slug) des lignes qui n'en donnent pas.")
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation (slug), s'il y en a plusieurs.")
    ] = None,
    column: Annotated[list[str] | None, typer.Option("--column", help=COLUMN_HELP)] = None,
    region: Annotated[str, typer.Option(help="Pays des numéros écrits sans indicatif.")] = "FR",
    sheet: Annotated[str | None, typer.Option(help=SHEET_HELP)] = None,
) -> None:
    """Importer le fichier usagers : numéros normalisés, doublons fusionnés, rejets expliqués.

    Réimporter le même fichier ne change rien. Une personne qui a demandé STOP le reste.
    """
    # Imported here so that `lien --help` does not load the database layer.
    from broadcast.importfile import ImportFileError, read_user_file
    from broadcast.texts import BroadcastError
    from lien.cli.broadcast_view import show_import
    from lien.cli.startup import refused

    console = Console()
    try:
        mapping = dict(_pair(item) for item in column or [])
        read = read_user_file(
            file, filename=file.name, default_region=region, column_map=mapping, sheet=sheet
        )
        report = asyncio.run(
            _import(read=read, source=file.name, dry_run=dry_run, site=site, org=org)
        )
    except (ImportFileError, BroadcastError, ValueError) as exc:
        raise refused(exc) from exc
    show_import(console, report)


@import_app.command("columns")
def columns(
    file: Annotated[
        Path,
        typer.Argument(help="Fichier usagers (CSV ou XLSX).", exists=True, dir_okay=False),
    ],
    column: Annotated[list[str] | None, typer.Option("--column", help=COLUMN_HELP)] = None,
    sheet: Annotated[str | None, typer.Option(help=SHEET_HELP)] = None,
) -> None:
    """Montrer comment chaque colonne serait lue, avant d'importer."""
    from broadcast.importfile import ImportFileError, propose_columns
    from lien.cli.broadcast_view import show_columns

    try:
        mapping = dict(_pair(item) for item in column or [])
        proposal = propose_columns(file, filename=file.name, column_map=mapping, sheet=sheet)
    except (ImportFileError, ValueError) as exc:
        Console(stderr=True).print(f"[red]Erreur :[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    show_columns(Console(), proposal)


def _pair(item: str) -> tuple[str, str]:
    heading, sep, field = item.rpartition("=")
    if not sep or not heading.strip():
        raise ValueError(f"--column attend « Intitulé=champ », reçu : « {item} »")
    return heading.strip(), field.strip()


async def _import(
    *, read: ImportResult, source: str, dry_run: bool, site: str | None, org: str | None
) -> ImportReport:
    from broadcast.importing import import_people
    from broadcast.organisations import resolve_organisation, site_of
    from db.session import transaction
    from lien.cli.startup import database, load_settings

    async with database(load_settings()) as sessionmaker, transaction(sessionmaker) as session:
        owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
        default_site = await site_of(session, organisation_id=owner.id, slug=site)
        columns = (TextColumn("Enregistrement"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("import", total=len(read.rows))
            return await import_people(
                session,
                result=read,
                organisation_id=owner.id,
                default_site_id=default_site.id,
                source=source,
                dry_run=dry_run,
                progress=lambda done: bar.advance(task, done),
            )
