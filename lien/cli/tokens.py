"""`lien token`: bearer tokens for the staff API."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from lien.cli.organisations import OrganisationOption
from lien.cli.startup import database, load_settings, refused, run
from lien.settings import Settings

token_app = typer.Typer(help="Jetons d'accès à l'API du personnel.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Nom de la personne ou du service.")],
    role: Annotated[str, typer.Option(help="admin, staff, volunteer ou operator.")] = "staff",
    organisation: OrganisationOption = None,
    expires_in_days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="Valable ce nombre de jours (défaut : sans fin)."),
    ] = None,
) -> None:
    """Créer un jeton d'accès ; il est affiché une seule fois, en dernière ligne."""
    try:
        token = asyncio.run(_token(load_settings(), name, role, organisation, expires_in_days))
    except ValueError as exc:
        raise refused(exc) from exc
    typer.echo(f"Jeton créé pour « {name} » (rôle {role}). Conservez-le, il ne sera plus affiché :")
    typer.echo(token)


async def _token(
    settings: Settings, name: str, role: str, organisation: str | None, days: int | None
) -> str:
    from db.base import utcnow
    from db.session import transaction
    from lien.auth import OPERATOR, create_token, organisation_by_slug

    expires_at = utcnow() + timedelta(days=days) if days else None

    async with database(settings) as sessionmaker, transaction(sessionmaker) as session:
        owner = None
        if role != OPERATOR:
            owner = (await organisation_by_slug(session, organisation)).id
        elif organisation is not None:
            raise ValueError("l'opérateur de l'instance n'appartient à aucune association")
        return await create_token(
            session, name=name, role=role, organisation_id=owner, expires_at=expires_at
        )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


@token_app.command("list")
def token_list() -> None:
    """Lister les jetons : compte, rôle, création, dernier usage, expiration, révocation."""
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
    from lien.tokens import revoke_token

    async def work(session: AsyncSession) -> bool:
        return await revoke_token(session, token_id, now=utcnow())

    revoked = run(work)
    typer.echo(f"Jeton n° {token_id} révoqué." if revoked else f"Jeton n° {token_id} déjà révoqué.")
