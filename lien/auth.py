"""Bearer tokens for the staff API, and the roles that open each route."""

from __future__ import annotations

import hashlib
import secrets
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


async def create_token(session: AsyncSession, *, name: str, role: str) -> str:
    """Create (or reuse) a staff member by name and give them a new token, shown once."""
    if role not in ROLES:
        raise ValueError(f"rôle inconnu : {role} (attendu : {', '.join(ROLES)})")
    member = await session.scalar(select(StaffMember).where(StaffMember.name == name))
    if member is None:
        member = StaffMember(name=name, role=role)
        session.add(member)
        await session.flush()
    member.role = role
    token = "lien_" + secrets.token_urlsafe(32)
    session.add(ApiToken(staff_member_id=member.id, token_hash=hash_token(token)))
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
    if found is None or not found[1].active:
        raise _unauthorized("jeton d'accès invalide ou révoqué")
    found[0].last_used_at = utcnow()
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
