"""Signing in with an e-mail and a password, throttled per client address and per account."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StaffMember
from db.session import SessionMaker, transaction
from lien.console.throttle import HASHES_AT_ONCE, SignInThrottle, account_key

_hasher = PasswordHasher()
HASHING_NICENESS = 10


class SignInRefused(Exception):
    """Wrong e-mail or password, or too many failures (then `wait_seconds` says how long)."""

    def __init__(self, wait_seconds: int | None = None) -> None:
        super().__init__("sign-in refused")
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class SignedIn:
    """Who signed in: plain values, read in a transaction already closed."""

    staff_id: int
    password_hash: str


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt and where it comes from."""

    email: str
    password: str
    address: str
    # Accounts this browser signed in to before (see `lien.console.pages.login`).
    known_accounts: frozenset[str] = frozenset()


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


def _lower_priority() -> None:
    # Linux niceness is per thread, and argon2's own threads inherit it: a flood of
    # sign-ins then yields the processor to the event loop that answers the webhooks.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, 0, HASHING_NICENESS)


@functools.cache
def _hashing_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=HASHES_AT_ONCE, thread_name_prefix="argon2", initializer=_lower_priority
    )


async def verify_password(password_hash: str, password: str) -> bool:
    """Check a password off the event loop: argon2 takes a tenth of a second on purpose."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hashing_threads(), _verify, password_hash, password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def find_by_email(session: AsyncSession, email: str) -> StaffMember | None:
    return await session.scalar(
        select(StaffMember).where(func.lower(StaffMember.email) == normalize_email(email))
    )


async def _stored_hash(sessionmaker: SessionMaker, email: str) -> tuple[int, str] | None:
    async with sessionmaker() as session:
        row = (
            await session.execute(
                select(StaffMember.id, StaffMember.password_hash, StaffMember.active).where(
                    func.lower(StaffMember.email) == normalize_email(email)
                )
            )
        ).first()
    if row is None or not row.active or not row.password_hash:
        return None
    return row.id, row.password_hash


async def sign_in(
    sessionmaker: SessionMaker, throttle: SignInThrottle, attempt: Attempt, *, now: datetime
) -> SignedIn:
    """Return who holds these credentials; raise SignInRefused.

    No connection is held while argon2 runs, and unknown, wrong and throttled accounts are
    answered alike whether the account exists or not.
    """
    account = account_key(attempt.email)
    known = account in attempt.known_accounts
    wait = throttle.admit(
        address=attempt.address, account=account, known=known, now=now.timestamp()
    )
    if wait:
        raise SignInRefused(wait)
    stored = await _stored_hash(sessionmaker, attempt.email)
    async with throttle.hashing:
        genuine = await verify_password(stored[1] if stored else _decoy_hash(), attempt.password)
    if stored is None or not genuine:
        raise SignInRefused
    throttle.succeeded(address=attempt.address, account=account)
    staff_id, password_hash = stored
    if _hasher.check_needs_rehash(password_hash):
        password_hash = await asyncio.to_thread(hash_password, attempt.password)
        async with transaction(sessionmaker) as session:
            member = await session.get(StaffMember, staff_id)
            if member is not None:
                member.password_hash = password_hash
    return SignedIn(staff_id, password_hash)


async def unlock(session: AsyncSession, member: StaffMember, throttle: SignInThrottle) -> None:
    """Lift the waits on an account before their end, as an administrator may."""
    member.failed_logins = 0
    member.locked_until = None
    throttle.forget_account(account_key(member.email or ""))
    await session.flush()
