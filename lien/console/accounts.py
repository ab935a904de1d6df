"""Staff accounts for the console: created by an administrator or by `lien staff create`."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StaffMember
from db.scope import ALL_ORGANISATIONS
from lien.auth import ROLES
from lien.console.i18n import N_, Problem
from lien.console.signin import hash_password, normalize_email

# CNIL's recommendation for a password used alone: twelve characters at least.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountRefused(ValueError):
    """An account that cannot be created as asked; `field` names the culprit."""

    def __init__(self, field: str, problem: Problem) -> None:
        super().__init__(problem.text % problem.params if problem.params else problem.text)
        self.field = field
        self.problem = problem


def password_problem(password: str) -> Problem | None:
    """Say what is wrong with a new password, if anything."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Problem(
            N_("Au moins %(min)s caractères, pour que le mot de passe résiste."),
            {"min": MIN_PASSWORD_LENGTH},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return Problem(N_("%(limit)s caractères au plus."), {"limit": MAX_PASSWORD_LENGTH})
    return None


def email_problem(email: str) -> Problem | None:
    if not _EMAIL.match(email) or len(email) > 200:
        return Problem(N_("Adresse e-mail invalide (par exemple : prenom@association.fr)."))
    return None


async def create_staff_member(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    organisation_id: int | None,
) -> StaffMember:
    """Create a console account with an argon2 password hash; raise AccountRefused."""
    email = normalize_email(email)
    name = name.strip()
    checks = [
        ("email", email_problem(email)),
        (
            "name",
            None
            if 0 < len(name) <= 100
            else Problem(N_("Indiquez un nom (100 caractères au plus).")),
        ),
        (
            "role",
            None if role in ROLES else Problem(N_("Rôle inconnu : admin, staff ou volunteer.")),
        ),
        (
            "organisation",
            None
            if organisation_id is not None
            else Problem(N_("Un compte appartient toujours à une association.")),
        ),
        ("password", password_problem(password)),
    ]
    for field, problem in checks:
        if problem is not None:
            raise AccountRefused(field, problem)
    # Addresses and names are unique across the instance, whichever association holds them.
    email_taken = await session.scalar(
        select(func.count()).where(func.lower(StaffMember.email) == email),
        execution_options={ALL_ORGANISATIONS: True},
    )
    if email_taken:
        raise AccountRefused("email", Problem(N_("Un compte existe déjà avec cette adresse.")))
    taken = await session.scalar(
        select(func.count()).select_from(StaffMember).where(StaffMember.name == name),
        execution_options={ALL_ORGANISATIONS: True},
    )
    if taken:
        raise AccountRefused("name", Problem(N_("Ce nom est déjà pris par un autre compte.")))
    member = StaffMember(
        email=email,
        name=name,
        role=role,
        password_hash=await asyncio.to_thread(hash_password, password),
        organisation_id=organisation_id,
        active=True,
    )
    session.add(member)
    await session.flush()
    return member


async def set_password(session: AsyncSession, member: StaffMember, password: str) -> None:
    """Replace a password (this ends the member's open console sessions)."""
    problem = password_problem(password)
    if problem is not None:
        raise AccountRefused("password", problem)
    member.password_hash = await asyncio.to_thread(hash_password, password)
    member.failed_logins = 0
    member.locked_until = None
    await session.flush()
