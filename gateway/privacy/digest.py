"""Keyed hashes of erased addresses: a number can be recognised again, never read back.

The key is derived from LIEN_SECRET_KEY and travels in `Session.info`, set once by the
sessionmaker the application builds: a hash of a French mobile number without a key would
be reversed by trying the few hundred million possible numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ErasedContact

ERASURE_KEY = "lien.erasure_key"
_PURPOSE = b"lien erased-contact v1"


class MissingErasureKey(RuntimeError):
    """A session without the erasure key was asked about erased addresses."""


def derive_erasure_key(secret: str) -> bytes:
    """Derive the hashing key from the application secret, for this one purpose."""
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def session_info(secret: str) -> dict[str, bytes]:
    """Return the `info` a sessionmaker needs so its sessions can hash addresses."""
    return {ERASURE_KEY: derive_erasure_key(secret)}


def erasure_key(session: AsyncSession) -> bytes:
    key = session.info.get(ERASURE_KEY)
    if not isinstance(key, bytes):
        raise MissingErasureKey("clé d'effacement absente de la session (LIEN_SECRET_KEY)")
    return key


def address_digest(key: bytes, *, kind: str, address: str) -> str:
    """Hash a canonical address; `kind` is "phone" for every phone channel, else the channel."""
    return hmac.new(key, f"{kind}:{address}".encode(), hashlib.sha256).hexdigest()


async def digest_known(session: AsyncSession, *, kind: str, address: str) -> bool:
    """Tell whether this canonical address belonged to an erased person."""
    return bool(await digests_known(session, [(kind, address)]))


async def digests_known(
    session: AsyncSession, addresses: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Return which (kind, canonical address) pairs belonged to an erased person, in one query."""
    wanted = set(addresses)
    # A session without the key (a tool, a test of another part) can still tell that
    # nobody was ever erased, which is all it needs to go on.
    if not wanted or (
        ERASURE_KEY not in session.info
        and await session.scalar(select(ErasedContact.id).limit(1)) is None
    ):
        return set()
    key = erasure_key(session)
    by_digest = {address_digest(key, kind=k, address=a): (k, a) for k, a in wanted}
    found = await session.scalars(
        select(ErasedContact.digest).where(ErasedContact.digest.in_(by_digest))
    )
    return {by_digest[digest] for digest in found}
