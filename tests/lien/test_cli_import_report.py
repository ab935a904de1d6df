"""The CLI's import report names the line whose number belonged to an erased person."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from lien.cli.broadcast_view import show_import
from tests.broadcast.test_importing_erased import ERASED_BY_FILE, erased_twice, run_import


async def test_the_report_prints_the_erased_persons_line_in_french(session: AsyncSession) -> None:
    site = await erased_twice(session)
    out = StringIO()
    show_import(Console(file=out, width=400), await run_import(session, site))
    printed = [line for line in out.getvalue().splitlines() if line.startswith("Ligne 2 ")]
    assert printed == [
        f"Ligne 2 ({ERASED_BY_FILE}) : ce contact appartenait à une personne dont les données "
        "ont été effacées : la personne est signalée, et aucun message ne lui sera envoyé "
        "avant qu'un membre de l'équipe n'enregistre son accord."
    ]
