"""Deleting at Twilio the files Lien now keeps itself, retried until Twilio says they are gone.

A stored MMS file is marked due for removal when its fetch is settled. A pass claims due rows
in one short transaction (a lease in `provider_removal_due_at`), calls Twilio outside any, then
writes what Twilio answered. Deleting twice is harmless: "not found" counts as done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update

from db.models import Attachment
from db.session import SessionMaker, transaction
from gateway.channels.base import Removal
from gateway.writers import Writers

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
# A Twilio outage is waited out: the file stays due, and is asked for again later.
RETRY_AFTER = timedelta(minutes=10)


class MediaRemover(Protocol):
    """A channel able to delete the files its provider keeps (Twilio)."""

    async def delete_media(self, reference: str) -> Removal: ...


@dataclass(frozen=True)
class MediaRemovalPass:
    removed: int
    retried: int


async def remove_fetched(
    sessionmaker: SessionMaker,
    remover: MediaRemover,
    *,
    now: datetime,
    limit: int = 50,
    writers: Writers | None = None,
) -> MediaRemovalPass:
    """Delete at the provider the due files already stored, between two short transactions."""
    writers = writers or Writers(single_writer=False)
    async with writers.turn(), transaction(sessionmaker) as session:
        rows = (
            await session.execute(
                select(Attachment.id, Attachment.provider_ref)
                .where(Attachment.provider_removal_due_at <= now)
                .order_by(Attachment.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if rows:
            await session.execute(
                update(Attachment)
                .where(Attachment.id.in_([row.id for row in rows]))
                .values(provider_removal_due_at=now + LEASE)
            )
    if not rows:
        return MediaRemovalPass(0, 0)
    results = [(row.id, await remover.delete_media(row.provider_ref)) for row in rows]
    async with writers.turn(), transaction(sessionmaker) as session:
        for attachment_id, removal in results:
            values: dict[str, object] = (
                {"provider_removal_due_at": None, "provider_removed_at": now}
                if removal.done
                else {"provider_removal_due_at": now + RETRY_AFTER}
            )
            await session.execute(
                update(Attachment).where(Attachment.id == attachment_id).values(**values)
            )
    removed = sum(1 for _, removal in results if removal.done)
    if removed < len(results):
        log.warning("media removal to retry", extra={"retried": len(results) - removed})
    return MediaRemovalPass(removed, len(results) - removed)
