"""What `lien serve` refuses to start with: demo accounts on real data, a guessable secret."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Organisation, StaffMember
from lien.settings import DEFAULT_SECRET, Settings

DEMO_ORGANISATIONS = frozenset({"ami-nimes", "ami-aude"})


class UnsafeStart(Exception):
    """A start that would expose real people's data; the message says what to change."""


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse_unsafe_settings(settings: Settings, *, host: str, demo: bool) -> None:
    """Raise UnsafeStart for `--demo` in production or the default secret off loopback."""
    if demo and settings.environment == "production":
        raise UnsafeStart(
            "--demo est refusé en production : il crée des comptes aux mots de passe connus."
        )
    if demo or settings.secret_key != DEFAULT_SECRET:
        return
    if not (_loopback(host) and _loopback(urlsplit(settings.public_url).hostname)):
        raise UnsafeStart(
            "LIEN_SECRET_KEY a sa valeur par défaut : elle n'est acceptée qu'en démonstration "
            "(--demo) ou pour un serveur de développement sur 127.0.0.1 uniquement. "
            "Définissez une longue valeur aléatoire, par exemple : "
            'python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )


async def refuse_demo_on_real_data(session: AsyncSession, demo_emails: frozenset[str]) -> None:
    """Raise UnsafeStart when the database holds organisations or accounts of a real service."""
    others = await session.scalar(
        select(func.count())
        .select_from(Organisation)
        .where(Organisation.slug.not_in(DEMO_ORGANISATIONS))
    )
    accounts = await session.scalar(
        select(func.count())
        .select_from(StaffMember)
        .where(StaffMember.email.is_not(None), func.lower(StaffMember.email).not_in(demo_emails))
    )
    if others or accounts:
        raise UnsafeStart(
            "--demo est refusé : cette base contient déjà des données réelles "
            f"({others or 0} association(s), {accounts or 0} compte(s) hors démonstration). "
            "Utilisez une autre base (LIEN_DATABASE_URL) pour la démonstration."
        )
