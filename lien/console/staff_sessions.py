"""Console sessions held on the server: the cookie carries a random id, this table decides."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StaffMember, StaffSession

# One working day, then sign in again.
SESSION_LIFETIME = timedelta(hours=12)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(session: AsyncSession, *, staff_id: int, now: datetime) -> str:
    """Start a console session for a staff member; return the id to put in the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            staff_member_id=staff_id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return token


async def session_member(session: AsyncSession, token: str, *, now: datetime) -> StaffMember | None:
    """Return the active staff member of a session still open; None otherwise."""
    return await session.scalar(
        select(StaffMember)
        .join(StaffSession, StaffSession.staff_member_id == StaffMember.id)
        .where(
            StaffSession.token_hash == _hash(token),
            StaffSession.ended_at.is_(None),
            StaffSession.expires_at > now,
            StaffMember.active.is_(True),
        )
    )


async def end_session(session: AsyncSession, token: str, *, now: datetime) -> None:
    await session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == _hash(token), StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )


async def end_sessions(
    session: AsyncSession, *, staff_id: int, now: datetime, keep: str | None = None
) -> int:
    """End every open session of a staff member, but `keep` (this browser's) if given."""
    stmt = update(StaffSession).where(
        StaffSession.staff_member_id == staff_id, StaffSession.ended_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(StaffSession.token_hash != _hash(keep))
    result = await session.execute(stmt.values(ended_at=now))
    return int(getattr(result, "rowcount", 0) or 0)
