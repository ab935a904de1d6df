"""Listing and revoking the staff API's tokens, for `lien token list|revoke`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiToken, StaffMember


@dataclass(frozen=True)
class TokenLine:
    id: int
    name: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


async def list_tokens(session: AsyncSession) -> list[TokenLine]:
    """Return every token with its account, newest first; never the token itself."""
    rows = await session.execute(
        select(ApiToken, StaffMember.name, StaffMember.role)
        .join(StaffMember, ApiToken.staff_member_id == StaffMember.id)
        .order_by(ApiToken.id.desc())
    )
    return [
        TokenLine(t.id, name, role, t.created_at, t.last_used_at, t.expires_at, t.revoked_at)
        for t, name, role in rows.all()
    ]


async def revoke_token(session: AsyncSession, token_id: int, *, now: datetime) -> bool:
    """Revoke a token by its number; say whether it was still valid."""
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise LookupError(f"jeton introuvable : n° {token_id}")
    if token.revoked_at is not None:
        return False
    token.revoked_at = now
    await session.flush()
    return True
