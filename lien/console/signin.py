"""Signing in with an e-mail and a password, with a lock-out after repeated failures."""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StaffMember

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)

_hasher = PasswordHasher()


class SignInRefused(Exception):
    """Wrong e-mail or password, or a locked account (then `locked_until` says until when)."""

    def __init__(self, locked_until: datetime | None = None) -> None:
        super().__init__("sign-in refused")
        self.locked_until = locked_until


@functools.cache
def _decoy_hash() -> str:
    # Checked against when the e-mail is unknown, so that both answers take as long.
    return _hasher.hash("lien-decoy-password")


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password."""
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str, password: str) -> bool:
    """Check a password off the event loop: argon2 takes a tenth of a second on purpose."""
    return await asyncio.to_thread(_verify, password_hash, password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def find_by_email(session: AsyncSession, email: str) -> StaffMember | None:
    return await session.scalar(
        select(StaffMember).where(func.lower(StaffMember.email) == normalize_email(email))
    )


async def sign_in(
    session: AsyncSession, *, email: str, password: str, now: datetime
) -> StaffMember:
    """Return the active staff member with these credentials; raise SignInRefused."""
    member = await find_by_email(session, email)
    if member is None or not member.active or not member.password_hash:
        await verify_password(_decoy_hash(), password)
        raise SignInRefused
    if member.locked_until is not None and member.locked_until > now:
        raise SignInRefused(member.locked_until)
    if not await verify_password(member.password_hash, password):
        raise SignInRefused(await _count_failure(session, member, now))
    member.failed_logins = 0
    member.locked_until = None
    if _hasher.check_needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    await session.flush()
    return member


async def _count_failure(
    session: AsyncSession, member: StaffMember, now: datetime
) -> datetime | None:
    # Counted in the database so that simultaneous attempts cannot each see the same count.
    failures = await session.scalar(
        update(StaffMember)
        .where(StaffMember.id == member.id)
        .values(failed_logins=StaffMember.failed_logins + 1)
        .returning(StaffMember.failed_logins)
    )
    if (failures or 0) < MAX_FAILURES:
        return None
    member.failed_logins = 0
    member.locked_until = now + LOCK_DURATION
    await session.flush()
    return member.locked_until


async def unlock(session: AsyncSession, member: StaffMember) -> None:
    """Lift a lock-out before its end, as an administrator may."""
    member.failed_logins = 0
    member.locked_until = None
    await session.flush()
