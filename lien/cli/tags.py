"""`lien tags …`: an organisation's tag vocabulary, its labels, and merging two tags."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

tags_app = typer.Typer(
    help="Étiquettes des personnes : liste, libellés, fusion.", no_args_is_help=True
)
OrgOption = Annotated[
    str | None, typer.Option("--org", help="Organisation (slug), s'il y en a plusieurs.")
]


@tags_app.command("list")
def list_tags(org: OrgOption = None) -> None:
    """Lister les étiquettes : code, libellé et nombre de personnes."""
    rows = asyncio.run(_list(org))
    table = Table("code", "libellé", "personnes")
    for tag, label, count in rows:
        table.add_row(tag, escape(label), str(count))
    Console().print(table)


@tags_app.command("label")
def label_tag(
    tag: Annotated[str, typer.Argument(help="L'étiquette, telle qu'écrite ou son code.")],
    label: Annotated[str, typer.Argument(help="Le libellé montré à l'équipe.")],
    org: OrgOption = None,
) -> None:
    """Changer le libellé d'une étiquette."""
    code = asyncio.run(_label(tag, label, org))
    Console().print(f"« {code} » s'affiche désormais « {label} ».", markup=False)


@tags_app.command("merge")
def merge(
    source: Annotated[str, typer.Argument(help="L'étiquette à faire disparaître.")],
    target: Annotated[str, typer.Argument(help="L'étiquette qui la remplace.")],
    org: OrgOption = None,
) -> None:
    """Fusionner deux étiquettes : les personnes de la première reçoivent la seconde."""
    moved = asyncio.run(_merge(source, target, org))
    Console().print(f"{moved} personne(s) passée(s) de « {source} » à « {target} ».", markup=False)


async def _list(org: str | None) -> list[tuple[str, str, int]]:
    from broadcast.organisations import resolve_organisation
    from gateway.tags import default_label, tag_counts, tag_labels
    from lien.cli.startup import database, load_settings

    async with (
        database(load_settings()) as sessionmaker,
        sessionmaker() as session,
        session.begin(),
    ):
        owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
        labels = await tag_labels(session, organisation_id=owner.id)
        counts = await tag_counts(session, organisation_id=owner.id)
    codes = sorted(set(labels) | set(counts))
    return [(c, labels.get(c) or default_label(c), counts.get(c, 0)) for c in codes]


async def _label(tag: str, label: str, org: str | None) -> str:
    from broadcast.organisations import resolve_organisation
    from gateway.tags import fold_tag, set_label
    from lien.cli.startup import database, load_settings

    code = fold_tag(tag)
    if not code or not label.strip():
        raise typer.BadParameter("étiquette et libellé ne peuvent pas être vides")
    async with (
        database(load_settings()) as sessionmaker,
        sessionmaker() as session,
        session.begin(),
    ):
        owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
        await set_label(session, organisation_id=owner.id, tag=code, label=label)
    return code


async def _merge(source: str, target: str, org: str | None) -> int:
    from broadcast.organisations import resolve_organisation
    from gateway.tags import merge_tags
    from lien.cli.startup import database, load_settings

    async with (
        database(load_settings()) as sessionmaker,
        sessionmaker() as session,
        session.begin(),
    ):
        owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
        return await merge_tags(session, organisation_id=owner.id, source=source, target=target)
