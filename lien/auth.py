"""Bearer tokens for the staff API, and the roles that open each route."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ApiToken, Organisation, StaffMember
from db.scope import Scope, set_scope
from lien.deps import SessionDep

ROLES = ("volunteer", "staff", "admin")
# Whoever hosts several associations: manages organisations and their first admins, outside
# the ladder above, so no route for an association's data lets them in.
OPERATOR = "operator"
ACCOUNT_ROLES = (*ROLES, OPERATOR)


def scope_of_member(member: StaffMember) -> Scope:
    """Return the rows a staff member may see: their organisation's (none for the operator)."""
    if member.role == OPERATOR:
        return Scope(None)
    # Volunteers read the tickets given to them; triage belongs to staff.
    assignee = member.id if member.role == "volunteer" else None
    return Scope(member.organisation_id, assignee_id=assignee)


async def sole_organisation(session: AsyncSession) -> Organisation:
    """Return the only organisation, for commands that may omit it; ValueError otherwise."""
    every = list(await session.scalars(select(Organisation).order_by(Organisation.slug)))
    if len(every) != 1:
        known = ", ".join(o.slug for o in every) or "aucune"
        raise ValueError(f"précisez l'association (--organisation) parmi : {known}")
    return every[0]


async def organisation_by_slug(session: AsyncSession, slug: str | None) -> Organisation:
    """Return the organisation of that slug, or the only one when no slug is given."""
    if slug is None:
        return await sole_organisation(session)
    found = await session.scalar(select(Organisation).where(Organisation.slug == slug))
    if found is None:
        raise ValueError(f"association inconnue : « {slug} »")
    return found


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRefused(ValueError):
    """A token that cannot be made as asked."""


async def create_token(
    session: AsyncSession,
    *,
    name: str,
    role: str,
    organisation_id: int | None,
    expires_at: datetime | None = None,
) -> str:
    """Give a new token, shown once, to the API account of that name (created if new).

    Never to a console account, never changing a role or an association: a name already taken
    by an account with a password, another role or another association is refused, so no token
    grants more than it says.
    """
    if role not in ACCOUNT_ROLES:
        raise TokenRefused(f"rôle inconnu : {role} (attendu : {', '.join(ACCOUNT_ROLES)})")
    if (organisation_id is None) != (role == OPERATOR):
        raise TokenRefused("un compte appartient à une association, sauf celui de l'opérateur")
    member = await session.scalar(select(StaffMember).where(StaffMember.name == name))
    if member is None:
        member = StaffMember(name=name, role=role, organisation_id=organisation_id)
        session.add(member)
        await session.flush()
    elif member.organisation_id != organisation_id:
        raise TokenRefused(f"« {name} » est déjà le nom d'un compte d'une autre association")
    elif member.email is not None or member.password_hash is not None:
        raise TokenRefused(f"« {name} » est un compte de la console : choisissez un autre nom")
    elif member.role != role:
        raise TokenRefused(
            f"le compte d'API « {name} » a le rôle {member.role} : choisissez un autre nom"
        )
    token = "lien_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(staff_member_id=member.id, token_hash=hash_token(token), expires_at=expires_at)
    )
    await session.flush()
    return token


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=reason, headers={"WWW-Authenticate": "Bearer"}
    )


async def current_staff(request: Request, session: SessionDep) -> StaffMember:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("jeton d'accès manquant (en-tête Authorization: Bearer …)")
    row = await session.execute(
        select(ApiToken, StaffMember)
        .join(StaffMember)
        .where(ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None))
    )
    found = row.first()
    now = utcnow()
    if found is None or not found[1].active:
        raise _unauthorized("jeton d'accès invalide ou révoqué")
    if found[0].expires_at is not None and found[0].expires_at <= now:
        raise _unauthorized("jeton d'accès expiré")
    found[0].last_used_at = now
    set_scope(session, scope_of_member(found[1]))
    return found[1]


# Anyone with a valid token, the operator included; routes use the doors below.
Authenticated = Annotated[StaffMember, Depends(current_staff)]


class MinimumRole:
    """A dependency refusing staff whose role is below `minimum`; routes can be inspected for it."""

    def __init__(self, minimum: str) -> None:
        if minimum not in ACCOUNT_ROLES:
            raise ValueError(f"rôle inconnu : {minimum}")
        self.minimum = minimum

    async def __call__(self, staff: Authenticated) -> StaffMember:
        if not reaches(staff.role, self.minimum):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"rôle « {self.minimum} » requis")
        return staff


def reaches(role: str, minimum: str) -> bool:
    """Say whether a role opens a door: the operator's alone, or one of the ladder's."""
    if OPERATOR in (role, minimum):
        return role == minimum
    return role in ROLES and ROLES.index(role) >= ROLES.index(minimum)


def require_role(minimum: str) -> Any:
    """A dependency refusing staff whose role is below `minimum`."""
    return Depends(MinimumRole(minimum))


# Any account of an association (volunteer and above), never the operator.
CurrentStaff = Annotated[StaffMember, require_role("volunteer")]
# Staff or admin, never a volunteer: exports, consent changes.
StaffOnly = Annotated[StaffMember, require_role("staff")]
# Admins only: erasure, the audit trail, retention settings.
AdminOnly = Annotated[StaffMember, require_role("admin")]
# The instance operator: organisations and their first accounts.
OperatorOnly = Annotated[StaffMember, require_role(OPERATOR)]
