"""`lien flows`: check the conversation files and the directory before people see them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.directory import DIRECTORY_FILE, DirectoryError, load_directory
from bot.flowdef import FlowError
from bot.flowload import FLOWS_FOLDER, check_flows
from bot.urgency import LEXICON_FILE, LexiconError, load_lexicon
from lien.settings import Settings

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


@flows_app.command("translations")
def export_translations(
    language: Annotated[str, typer.Option(help="Langue : ti, ps, fa, ar, en…")],
    format_: Annotated[
        str, typer.Option("--format", help="csv (tableur) ou po (gettext, outils de traduction)")
    ] = "csv",
    output: Annotated[Path | None, typer.Option(help="Fichier à écrire (sinon l'écran)")] = None,
) -> None:
    """Exporter tous les textes lus par les personnes dans une langue, avec leur statut."""
    from db.base import utcnow
    from lien.translations import STATUS_LABELS, as_csv, as_po, translations
    from lien.wiring import load_accueil

    if format_ not in ("csv", "po"):
        typer.echo(f"Format inconnu : {format_} (csv ou po)", err=True)
        raise typer.Exit(2)
    settings = Settings()
    refuse_broken_files(settings)
    accueil = load_accueil(settings)
    if accueil.flow.language_of(language) != language:
        known = ", ".join(accueil.flow.languages)
        typer.echo(f"Langue inconnue : {language} (langues de l'accueil : {known})", err=True)
        raise typer.Exit(2)
    rows = translations(accueil.flow, accueil.directory, accueil.lexicon, language=language)
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
