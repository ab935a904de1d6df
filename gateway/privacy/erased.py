"""Addresses of erased people: remembered as keyed hashes so a return is flagged, not hidden."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ErasedContact
from db.session import insert_ignore
from gateway.privacy.digest import address_digest, digest_known, erasure_key
from gateway.records import address_kind, normalize_address


async def remember_erased(session: AsyncSession, addresses: Iterable[tuple[str, str]]) -> int:
    """Keep the keyed hash of each (channel, canonical address); return how many were new."""
    key = erasure_key(session)
    added = 0
    for channel, address in addresses:
        kind = address_kind(channel)
        digest = address_digest(key, kind=kind, address=address)
        added += await insert_ignore(
            session,
            ErasedContact.__table__,  # type: ignore[arg-type]
            {"digest": digest, "kind": kind, "erased_at": utcnow()},
        )
    return added


async def was_erased(session: AsyncSession, *, channel: str, address: str) -> bool:
    """Tell whether an address (any usual spelling) belonged to a person whose data was erased.

    Import code calls it for each line before creating a person, and reports the line instead
    of silently bringing the person back; raises InvalidPhoneNumber for an unreadable number.
    """
    canonical = normalize_address(channel, address)
    return await digest_known(session, kind=address_kind(channel), address=canonical)
