"""Enrolling a list from the terminal: a file of phone numbers, in chunks, with a progress bar."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import typer
from rich.progress import Progress
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from notifications.lists import ListLine

CHUNK = 50


def phones_from_file(path: Path) -> list[str]:
    """Read the phone numbers of a user file (CSV or XLSX with headings), or a bare list."""
    from broadcast.importfile.results import ImportFileError

    if path.suffix.lower() in (".csv", ".xlsx"):
        from broadcast.importfile.reader import read_user_file

        try:
            result = read_user_file(path, filename=path.name)
        except ImportFileError as exc:
            if path.suffix.lower() == ".xlsx":
                typer.echo(f"Erreur : {exc}", err=True)
                raise typer.Exit(2) from exc
        else:
            for rejected in result.rejected:
                typer.echo(f"ligne {rejected.line} écartée : {rejected.reason}", err=True)
            return [row.phone for row in result.rows if row.phone]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"Erreur : fichier illisible : {path}", err=True)
        raise typer.Exit(2) from exc
    # A bare list: one number per line, the first cell when the line has several.
    return [
        row[0].strip()
        for row in csv.reader(text.splitlines(), delimiter=";")
        if row and row[0].strip()
    ]


def enrollment_source(count: int, *, from_file: bool) -> str:
    """Return how people were enrolled: from a file, as a list, or one by staff."""
    if from_file:
        return "import"
    return "list" if count > 1 else "staff"


def enroll_in_chunks(
    event_id: int,
    *,
    ids: list[int],
    phones: list[str],
    create_missing: bool,
    notify: bool,
    from_file: bool = False,
) -> None:
    """Enrol everyone, a chunk per transaction, and print what became of each entry."""
    from lien.cli.startup import run
    from notifications import service
    from notifications.lists import enroll_list

    entries: list[tuple[str, int | str]] = [("id", i) for i in ids] + [("phone", p) for p in phones]
    if not entries:
        typer.echo("Rien à inscrire : --beneficiary, --phone ou --file.", err=True)
        raise typer.Exit(2)
    lines: list[ListLine] = []
    with Progress(transient=True) as progress:
        task = progress.add_task("Inscriptions", total=len(entries))
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start : start + CHUNK]

            async def work(
                session: AsyncSession, chunk: list[tuple[str, int | str]] = chunk
            ) -> list[ListLine]:
                event = await service.get_event(session, event_id)
                return await enroll_list(
                    session,
                    event=event,
                    now=utcnow(),
                    beneficiary_ids=[int(v) for k, v in chunk if k == "id"],
                    phones=[str(v) for k, v in chunk if k == "phone"],
                    source=enrollment_source(len(entries), from_file=from_file),
                    create_missing=create_missing,
                    notify=notify,
                )

            lines += run(work)
            progress.advance(task, len(chunk))
    for line in lines:
        if line.status == "refused":
            typer.echo(f"{line.item} : non inscrit — {line.detail}")
    counts = Counter(line.status for line in lines)
    typer.echo(", ".join(f"{status} : {n}" for status, n in sorted(counts.items())))
