"""`lien flows`: check the conversation files and the directory before people see them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import select

from bot.directory import DIRECTORY_FILE, DirectoryError, load_directory
from bot.flowdef import FlowError
from bot.flowload import FLOWS_FOLDER, check_flows
from bot.urgency import LEXICON_FILE, LexiconError, load_lexicon
from lien.cli.startup import run
from lien.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.inbound import Accueil
    from lien.translation_work import Line, Outcome
    from lien.translations import Translation

flows_app = typer.Typer(
    help="Conversations d'accueil : vérifier les fichiers de flux et l'annuaire.",
    no_args_is_help=True,
)


def refuse_broken_files(settings: Settings) -> None:
    """Stop the command with the file, node and reason when a flow or the directory is broken."""
    from lien.wiring import load_accueil

    try:
        load_accueil(settings)
    except (FlowError, DirectoryError, LexiconError) as exc:
        typer.echo("Démarrage refusé : fichier invalide.", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        typer.echo("Détails : lien flows check", err=True)
        raise typer.Exit(2) from exc


@flows_app.command("check")
def check(
    folder: Annotated[
        Path | None,
        typer.Option(help="Dossier des fichiers de flux (LIEN_FLOWS_DIR, sinon ceux livrés)."),
    ] = None,
    directory: Annotated[
        Path | None,
        typer.Option(help="Fichier de l'annuaire (LIEN_DIRECTORY_FILE, sinon celui livré)."),
    ] = None,
) -> None:
    """Vérifier les flux et l'annuaire ; lister les erreurs et les traductions manquantes."""
    settings = Settings()
    folder = folder or settings.flows_dir or FLOWS_FOLDER
    report = check_flows(folder)
    if not report.files:
        typer.echo(f"Aucun fichier de flux (*.yaml) dans {folder}", err=True)
        raise typer.Exit(1)
    for line in report.lines():
        typer.echo(line)
    names = ", ".join(file.file for file in report.files)
    typer.echo(f"Flux : {names} — {'valides' if report.ok else 'ERREURS, refusés au démarrage'}")
    directory_ok = _check_directory(directory or settings.directory_file or DIRECTORY_FILE)
    lexicon_ok = _check_lexicon(settings.urgency_file or LEXICON_FILE)
    if not (report.ok and directory_ok and lexicon_ok):
        raise typer.Exit(1)


def _check_directory(path: Path) -> bool:
    try:
        loaded = load_directory(path)
    except DirectoryError as exc:
        for problem in exc.problems:
            typer.echo(f"{problem}")
        typer.echo(f"Annuaire : {path.name} — ERREURS, refusé au démarrage")
        return False
    unchecked = loaded.to_verify()
    for detail in unchecked:
        typer.echo(f"{path.name}: à vérifier (jamais envoyé) : {detail}")
    typer.echo(f"Annuaire : {path.name} — valide, {len(loaded.entries)} fiches")
    return True


def _check_lexicon(path: Path) -> bool:
    """Print whether the urgency lexicon can be used, with its mistakes."""
    try:
        lexicon = load_lexicon(path)
    except LexiconError as exc:
        for problem in exc.problems:
            typer.echo(f"{problem}", err=True)
        typer.echo(f"Urgences : {path.name} — ERREURS, refusé au démarrage")
        return False
    languages = sorted({term.language for c in lexicon.categories for term in c.terms})
    typer.echo(
        f"Urgences : {path.name} — valide, {len(lexicon.categories)} catégories, "
        f"langues {', '.join(languages)}"
    )
    return True


def _accueil_language(settings: Settings, language: str) -> Accueil:
    """Return the loaded accueil, or stop when it does not offer the language."""
    from lien.wiring import load_accueil

    refuse_broken_files(settings)
    accueil = load_accueil(settings)
    if accueil.flow.language_of(language) != language:
        known = ", ".join(accueil.flow.languages)
        typer.echo(f"Langue inconnue : {language} (langues de l'accueil : {known})", err=True)
        raise typer.Exit(2)
    return accueil


translations_app = typer.Typer(
    help="Textes lus par les personnes : exporter (--language) ou importer une langue.",
    invoke_without_command=True,
)
flows_app.add_typer(translations_app, name="translations")
ORGANISATION_HELP = "Association (identifiant court), si l'instance en a plusieurs"


@translations_app.callback()
def export_translations(
    ctx: typer.Context,
    language: Annotated[str | None, typer.Option(help="Langue : ti, ps, fa, ar, en…")] = None,
    format_: Annotated[
        str, typer.Option("--format", help="csv (tableur) ou po (gettext, outils de traduction)")
    ] = "csv",
    output: Annotated[Path | None, typer.Option(help="Fichier à écrire (sinon l'écran)")] = None,
    organisation: Annotated[str | None, typer.Option(help=ORGANISATION_HELP)] = None,
) -> None:
    """Exporter tous les textes lus par les personnes dans une langue, avec leur statut."""
    from db.base import utcnow
    from lien.translations import STATUS_LABELS, as_csv, as_po

    if ctx.invoked_subcommand is not None:
        return
    if language is None:
        typer.echo("Langue à exporter : --language ti (ou ps, fa…)", err=True)
        raise typer.Exit(2)
    if format_ not in ("csv", "po"):
        typer.echo(f"Format inconnu : {format_} (csv ou po)", err=True)
        raise typer.Exit(2)
    accueil = _accueil_language(Settings(), language)
    rows = run(lambda session: _rows(session, accueil, language=language, org=organisation))
    if format_ == "csv":
        body = as_csv(rows, language=language).encode()
    else:
        body = as_po(rows, language=language, now=utcnow())
    if output is None:
        typer.echo(body.decode(), nl=False)
    else:
        output.write_bytes(body)
    counts = {status: sum(1 for row in rows if row.status == status) for status in STATUS_LABELS}
    summary = ", ".join(f"{count} {STATUS_LABELS[status]}" for status, count in counts.items())
    typer.echo(f"{language} : {len(rows)} textes — {summary}", err=True)


async def _rows(
    session: AsyncSession, accueil: Accueil, *, language: str, org: str | None
) -> list[Translation]:
    from broadcast.organisations import resolve_organisation
    from db.models import StaffMember
    from lien.translation_work import overrides_in
    from lien.translations import translations

    owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
    own = await overrides_in(session, organisation_id=owner.id, language=language)
    staff = await session.execute(select(StaffMember.id, StaffMember.name))
    return translations(
        accueil.flow,
        accueil.directory,
        accueil.lexicon,
        language=language,
        overrides=own,
        reviewers={staff_id: name for staff_id, name in staff},
    )


@translations_app.command("import")
def import_translations(
    file: Annotated[Path, typer.Argument(help="Fichier .po ou .csv (comme l'export)")],
    language: Annotated[str, typer.Option(help="Langue des textes du fichier : ti, ps…")],
    organisation: Annotated[str | None, typer.Option(help=ORGANISATION_HELP)] = None,
    reviewer: Annotated[
        str | None, typer.Option(help="Qui a relu ces textes : ils sont alors marqués relus")
    ] = None,
) -> None:
    """Importer les traductions d'une association ; chaque ligne est prise ou refusée."""
    from lien.translation_work import read_csv, read_po_file

    accueil = _accueil_language(Settings(), language)
    body = file.read_bytes()
    reader = read_po_file if file.suffix.lower() == ".po" else read_csv
    lines = list(reader(body, language=language))
    outcomes = run(
        lambda session: _import(session, accueil, lines, language, organisation, reviewer)
    )
    for outcome in outcomes:
        verdict = "pris" if outcome.taken else f"refusé ({outcome.reason})"
        typer.echo(f"ligne {outcome.number} : {outcome.key} — {verdict}")
    taken = sum(1 for outcome in outcomes if outcome.taken)
    typer.echo(f"{language} : {taken} textes pris, {len(outcomes) - taken} refusés")
    if taken < len(outcomes):
        raise typer.Exit(1)


async def _import(
    session: AsyncSession,
    accueil: Accueil,
    lines: list[Line],
    language: str,
    org: str | None,
    reviewer: str | None,
) -> list[Outcome]:
    from broadcast.organisations import resolve_organisation
    from db.base import utcnow
    from lien.translation_work import import_lines
    from lien.translations import french_texts

    owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
    return await import_lines(
        session,
        lines=iter(lines),
        french=french_texts(accueil.flow, accueil.directory, accueil.lexicon),
        organisation_id=owner.id,
        language=language,
        reviewer=reviewer,
        now=utcnow(),
    )
