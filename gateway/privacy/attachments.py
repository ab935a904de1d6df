"""The files people send as personal data: listed in the export, deleted on erasure and in time.

A file goes with its row, in the caller's transaction: the rows are deleted first, then the
files (a local delete is quick). Should the transaction fail after that, the rows left point
at files already gone, which the console answers as missing and the next run deletes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, Message
from db.models.attachments import FAILED, INBOUND, OUTBOUND, PENDING, STORED
from gateway.attachment_files import AUDIO, DOCUMENT, IMAGE, VIDEO, kind_of
from gateway.media_store import Store
from gateway.privacy.core import iso
from gateway.privacy.counts import Bucket, add_counts, month_of
from gateway.privacy.labels import section_texts
from gateway.privacy.messages import RECORDS
from gateway.privacy.sources import Exported, PurgeRun

FILES = "attachments"
# The export is read by the person: words, never the stored codes.
KIND_WORDS = {
    IMAGE: "image",
    AUDIO: "enregistrement audio",
    VIDEO: "vidéo",
    DOCUMENT: "document",
}
STATUS_WORDS = {STORED: "conservé", PENDING: "en cours de récupération", FAILED: "non récupéré"}


class AttachmentSource:
    """Photos, voice notes and documents a person sent; a file never outlives its message."""

    name = "attachments"
    # What a person shows of themselves in a file weighs what a text does: kept as long.
    retention = {FILES: 12}

    def __init__(self, store: Store) -> None:
        self.store = store
        self.title, self.labels = section_texts(self.name)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        rows = await session.execute(
            select(Attachment, Message.channel)
            .join(Message, Attachment.message_id == Message.id)
            .where(Message.beneficiary_id == beneficiary_id)
            .order_by(Attachment.created_at, Attachment.id)
        )
        return [_exported(attachment, channel) for attachment, channel in rows.all()]

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        mine = Attachment.message_id.in_(
            select(Message.id).where(Message.beneficiary_id == beneficiary_id)
        )
        return await self._remove(session, [mine])

    async def purge(self, session: AsyncSession, run: PurgeRun) -> dict[str, int]:
        cutoff = run.cutoff(FILES)
        if cutoff is None:
            return {}
        old: ColumnElement[bool] = Attachment.created_at < cutoff
        if (records := run.cutoff(RECORDS)) is not None:
            # The message purge deletes the rows with their message; their files go here first.
            leaving = select(Message.id).where(Message.created_at < records)
            old = or_(old, Attachment.message_id.in_(leaving))
        # A file being fetched is left to its fetch; the next run takes it.
        ours = Attachment.organisation_id == run.organisation_id
        where = [ours, Attachment.status != PENDING, old]
        buckets = await _buckets(session, where)
        total = sum(bucket[3] for bucket in buckets)
        if not run.dry_run and total:
            await add_counts(
                session, organisation_id=run.organisation_id, kind=FILES, buckets=buckets
            )
            await self._remove(session, where)
        return {FILES: total}

    async def _remove(self, session: AsyncSession, where: Sequence[ColumnElement[bool]]) -> int:
        """Delete the rows matching `where`, then their files; return the rows deleted."""
        found = (
            await session.execute(select(Attachment.id, Attachment.storage_key).where(*where))
        ).all()
        if not found:
            return 0
        await session.execute(
            delete(Attachment)
            .where(Attachment.id.in_([row.id for row in found]))
            .execution_options(synchronize_session=False)
        )
        await session.flush()
        for row in found:
            if row.storage_key:
                await self.store.delete(row.storage_key)
        return len(found)


# Who sent the file, as the person reads their export: they did, or the team replied with it.
SENDER_WORDS = {INBOUND: "vous", OUTBOUND: "l'équipe"}


def _exported(attachment: Attachment, channel: str) -> dict[str, Any]:
    status = STATUS_WORDS.get(attachment.status, attachment.status)
    if attachment.status == FAILED and attachment.failure_reason:
        status = f"{status} : {attachment.failure_reason}"
    detected = attachment.detected_type
    return {
        "received_at": iso(attachment.created_at),
        "sent_by": SENDER_WORDS.get(attachment.direction, ""),
        "channel": channel,
        "kind": KIND_WORDS[kind_of(detected)] if detected else "",
        "type": detected or attachment.declared_type or "",
        "size": attachment.size,
        "sha256": attachment.sha256,
        "status": status,
    }


async def _buckets(session: AsyncSession, where: Sequence[ColumnElement[bool]]) -> list[Bucket]:
    month = month_of(Attachment.created_at, session.get_bind().dialect.name)
    rows = await session.execute(
        select(month, Message.channel, func.count())
        .join(Message, Attachment.message_id == Message.id)
        .where(*where)
        .group_by(month, Message.channel)
    )
    return [(str(m), str(c), "in", int(n)) for m, c, n in rows.all()]
