"""Staff accounts for the console: created by an administrator or by `lien staff create`."""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StaffMember
from db.scope import ALL_ORGANISATIONS
from lien.auth import ROLES
from lien.console.i18n import N_, Problem
from lien.console.signin import hash_password, normalize_email
from lien.console.staff_sessions import end_sessions

# CNIL's recommendation for a password used alone: twelve characters at least.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS = Path(__file__).parent / "common_passwords.txt"
_TRAILING = re.compile(r"[\d\W_]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountRefused(ValueError):
    """An account that cannot be created as asked; `field` names the culprit."""

    def __init__(self, field: str, problem: Problem) -> None:
        super().__init__(problem.text % problem.params if problem.params else problem.text)
        self.field = field
        self.problem = problem


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of passwords too common to use, lower case."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and line[0] != "#")


def is_common(password: str) -> bool:
    """Say whether a password is on the list, also once its trailing digits and signs go."""
    lowered = password.strip().lower()
    base = _TRAILING.sub("", lowered)
    common = common_passwords()
    return lowered in common or base in common or len(set(lowered)) <= 2


def password_problem(password: str) -> Problem | None:
    """Say what is wrong with a new password, if anything."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Problem(
            N_("Au moins %(min)s caractères, pour que le mot de passe résiste."),
            {"min": MIN_PASSWORD_LENGTH},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return Problem(N_("%(limit)s caractères au plus."), {"limit": MAX_PASSWORD_LENGTH})
    if is_common(password):
        return Problem(
            N_("Ce mot de passe est trop courant : choisissez-en un autre, par exemple une phrase.")
        )
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
    # Hashed before the first query: where the caller's transaction is not yet open, no
    # lock or connection waits on argon2.
    password_hash = await asyncio.to_thread(hash_password, password)
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
        password_hash=password_hash,
        organisation_id=organisation_id,
        active=True,
    )
    session.add(member)
    await session.flush()
    return member


async def new_password_hash(password: str) -> str:
    """Check a new password against the policy, then hash it off the event loop."""
    problem = password_problem(password)
    if problem is not None:
        raise AccountRefused("password", problem)
    return await asyncio.to_thread(hash_password, password)


async def set_password(
    session: AsyncSession,
    member: StaffMember,
    password_hash: str,
    *,
    now: datetime,
    keep_session: str | None = None,
) -> int:
    """Store a new password hash and end the member's other console sessions; return how many."""
    member.password_hash = password_hash
    member.failed_logins = 0
    member.locked_until = None
    await session.flush()
    return await end_sessions(session, staff_id=member.id, now=now, keep=keep_session)
