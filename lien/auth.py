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
from db.models import ApiToken, StaffMember
from lien.deps import SessionDep

ROLES = ("volunteer", "staff", "admin")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRefused(ValueError):
    """A token that cannot be made as asked."""


async def create_token(
    session: AsyncSession, *, name: str, role: str, expires_at: datetime | None = None
) -> str:
    """Give a new token, shown once, to the API account of that name (created if new).

    Never to a console account, never changing a role: a name already taken by an account
    with a password or another role is refused, so no token grants more than it says.
    """
    if role not in ROLES:
        raise TokenRefused(f"rôle inconnu : {role} (attendu : {', '.join(ROLES)})")
    member = await session.scalar(select(StaffMember).where(StaffMember.name == name))
    if member is None:
        member = StaffMember(name=name, role=role)
        session.add(member)
        await session.flush()
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
    return found[1]


CurrentStaff = Annotated[StaffMember, Depends(current_staff)]


class MinimumRole:
    """A dependency refusing staff whose role is below `minimum`; routes can be inspected for it."""

    def __init__(self, minimum: str) -> None:
        if minimum not in ROLES:
            raise ValueError(f"rôle inconnu : {minimum}")
        self.minimum = minimum

    async def __call__(self, staff: CurrentStaff) -> StaffMember:
        if ROLES.index(staff.role) < ROLES.index(self.minimum):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"rôle « {self.minimum} » requis")
        return staff


def require_role(minimum: str) -> Any:
    """A dependency refusing staff whose role is below `minimum`."""
    return Depends(MinimumRole(minimum))


# Staff or admin, never a volunteer: exports, consent changes.
StaffOnly = Annotated[StaffMember, require_role("staff")]
# Admins only: erasure, the audit trail, retention settings.
AdminOnly = Annotated[StaffMember, require_role("admin")]
