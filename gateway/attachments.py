"""Attachments of inbound messages: noted when the message is handled, fetched later.

The webhook stores the media references with the arrival (in its extra data, so the webhook
costs what it did); the consumer that handles the arrival writes one pending row per file,
which the fetcher (`gateway.attachment_fetch`) downloads outside any transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment
from db.models.attachments import FAILED, PENDING, STORED
from gateway.channels.base import MediaRef
from gateway.media_types import LABELS, base_type

# The key of an arrival's extra data that carries its media references.
MEDIA_KEY = "media"
STATUS_LABELS = {
    PENDING: "en cours de téléchargement",
    STORED: "conservé",
    FAILED: "non conservé",
}
UNKNOWN_KIND = "un fichier d'un type inconnu"


def kind_label(attachment: Attachment) -> str:
    """Say in French what kind of file it is: what its content showed, else what was declared."""
    kind = attachment.detected_type or base_type(attachment.declared_type)
    return LABELS.get(kind, UNKNOWN_KIND)


async def attachments_of(
    session: AsyncSession, message_ids: Sequence[int]
) -> dict[int, list[Attachment]]:
    """Return the attachments of these messages, in order, in one query."""
    found: dict[int, list[Attachment]] = {message_id: [] for message_id in message_ids}
    if not message_ids:
        return found
    rows = await session.scalars(
        select(Attachment)
        .where(Attachment.message_id.in_(message_ids))
        .order_by(Attachment.message_id, Attachment.position)
    )
    for row in rows:
        found[row.message_id].append(row)
    return found


def with_media(extra: Mapping[str, str], media: Sequence[MediaRef]) -> dict[str, Any]:
    """Return an arrival's extra data carrying its media references, in order."""
    if not media:
        return dict(extra)
    return {**extra, MEDIA_KEY: [[m.reference, m.declared_type] for m in media]}


def split_media(extra: Mapping[str, Any] | None) -> tuple[dict[str, str], tuple[MediaRef, ...]]:
    """Read back what `with_media` stored: the other extra data, and the media references."""
    rest = {k: str(v) for k, v in (extra or {}).items() if k != MEDIA_KEY}
    stored = (extra or {}).get(MEDIA_KEY) or []
    return rest, tuple(
        MediaRef(str(ref), None if kind is None else str(kind)) for ref, kind in stored
    )


async def add_pending(
    session: AsyncSession,
    *,
    message_id: int,
    organisation_id: int,
    media: Sequence[MediaRef],
    now: datetime,
) -> int:
    """Note the files of a logged inbound message, to be fetched as soon as possible."""
    if not media:
        return 0
    rows = [
        {
            "organisation_id": organisation_id,
            "message_id": message_id,
            "position": position,
            "provider_ref": item.reference,
            "declared_type": item.declared_type,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": None,
            "created_at": now,
        }
        for position, item in enumerate(media)
    ]
    await session.execute(insert(Attachment), rows)
    return len(rows)
