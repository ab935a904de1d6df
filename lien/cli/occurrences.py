"""`lien events occurrence …`: one session's list, answers, presence; a site's calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from lien.cli.startup import run

occurrence_app = typer.Typer(
    help="Une séance : inscrits, réponses, présences.", no_args_is_help=True
)


@occurrence_app.command("show")
def show(occurrence_id: Annotated[int, typer.Argument(help="Numéro de la séance.")]) -> None:
    """Afficher qui vient, qui s'est excusé, qui n'a pas répondu, et l'état des rappels."""
    from notifications.attendance import CONFIRMED, DECLINED_ANSWER, NO_ANSWER, roster

    async def work(session: AsyncSession) -> list[str]:
        found = await roster(session, occurrence_id=occurrence_id)
        lines = [
            f"Séance {found.occurrence.id} ({found.occurrence.status}), "
            f"{found.occurrence.start:%Y-%m-%d %H:%M} UTC : "
            f"{found.count(CONFIRMED)} confirmés, {found.count(DECLINED_ANSWER)} excusés, "
            f"{found.count(NO_ANSWER)} sans réponse"
        ]
        for line in found.lines:
            reminders = ", ".join(f"{r.offset_key} {r.status}" for r in line.reminders)
            present = {True: "présent", False: "absent", None: ""}[line.attended]
            lines.append(
                f"{line.beneficiary_id}\t{line.name}\t{line.answer}\t{present}\t{reminders}"
            )
        return lines

    for line in run(work):
        typer.echo(line)


@occurrence_app.command("attendance")
def attendance(
    occurrence_id: Annotated[int, typer.Argument(help="Numéro de la séance.")],
    present: Annotated[list[int] | None, typer.Option(help="Fiche présente (répétable).")] = None,
    absent: Annotated[list[int] | None, typer.Option(help="Fiche absente (répétable).")] = None,
) -> None:
    """Noter les présences d'une séance."""
    from notifications.attendance import record_attendance

    marks = [(pid, True) for pid in present or []] + [(pid, False) for pid in absent or []]

    async def work(session: AsyncSession) -> int:
        for pid, here in marks:
            await record_attendance(
                session, occurrence_id=occurrence_id, beneficiary_id=pid, present=here, now=utcnow()
            )
        return len(marks)

    typer.echo(f"Présences notées : {run(work)}")


def feed(
    site: Annotated[str, typer.Option(help="Site (slug).")],
    output: Annotated[Path | None, typer.Option(help="Fichier .ics à écrire.")] = None,
) -> None:
    """Écrire le calendrier iCalendar d'un site (séances annulées comprises)."""
    from gateway.records import site_by_slug
    from notifications.feed import site_feed

    async def work(session: AsyncSession) -> str:
        return await site_feed(session, site=await site_by_slug(session, site), now=utcnow())

    text = run(work)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        typer.echo(f"Calendrier écrit : {output}")
