"""Kept attachments as staff get them: what kind of file each is, how it is named and served.

Only a stored file is served; its row is read through the request's scoped session (an
attachment of another association is as absent as a missing one), and every view is audited
in the request's transaction. The bytes themselves are read from the store afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import NotFoundError
from db.models import Attachment, Message
from db.models.attachments import STORED
from gateway.audit import VIEW_ATTACHMENT, record_audit

IMAGE = "image"
AUDIO = "audio"
VIDEO = "video"
DOCUMENT = "document"
_KINDS = {
    "image/jpeg": IMAGE,
    "image/png": IMAGE,
    "image/gif": IMAGE,
    "image/webp": IMAGE,
    "audio/ogg": AUDIO,
    "audio/mpeg": AUDIO,
    "audio/mp4": AUDIO,
    "audio/amr": AUDIO,
    "video/mp4": VIDEO,
    "application/pdf": DOCUMENT,
}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/amr": "amr",
    "video/mp4": "mp4",
    "application/pdf": "pdf",
}
# What a browser may show in the page; anything else is downloaded, never opened in place.
_INLINE = (IMAGE, AUDIO, VIDEO)
FALLBACK_TYPE = "application/octet-stream"


def kind_of(detected_type: str | None) -> str:
    """Return how a file is shown: an image, a recording, a video or a document."""
    return _KINDS.get(detected_type or "", DOCUMENT)


def file_name(attachment_id: int, detected_type: str | None) -> str:
    """Return the name a downloaded file gets: made here, so nothing a sender chose reaches it."""
    extension = _EXTENSIONS.get(detected_type or "", "bin")
    return f"piece-jointe-{attachment_id}.{extension}"


class AttachmentNotFound(LookupError, NotFoundError):
    """No kept file has this id here (unknown, still being fetched, not kept, or elsewhere)."""

    @property
    def message(self) -> str:
        return "pièce jointe introuvable"


@dataclass(frozen=True)
class ServedFile:
    """What answering with one kept file needs, as plain values that outlive the session."""

    id: int
    storage_key: str
    media_type: str
    size: int | None

    @property
    def disposition(self) -> str:
        mode = "inline" if kind_of(self.media_type) in _INLINE else "attachment"
        return f'{mode}; filename="{file_name(self.id, self.media_type)}"'


async def view_attachment(
    session: AsyncSession, *, attachment_id: int, staff_id: int, via: str
) -> ServedFile:
    """Return a kept file the session may see, and audit the view; raise AttachmentNotFound."""
    row = (
        await session.execute(
            select(Attachment, Message.beneficiary_id)
            .join(Message, Attachment.message_id == Message.id)
            .where(Attachment.id == attachment_id, Attachment.status == STORED)
        )
    ).first()
    if row is None or row[0].storage_key is None:
        raise AttachmentNotFound(attachment_id)
    attachment, beneficiary_id = row
    key: str = row[0].storage_key
    record_audit(
        session,
        staff_id=staff_id,
        action=VIEW_ATTACHMENT,
        beneficiary_id=beneficiary_id,
        details={"attachment_id": attachment.id, "via": via},
    )
    return ServedFile(
        id=attachment.id,
        storage_key=key,
        media_type=attachment.detected_type or FALLBACK_TYPE,
        size=attachment.size,
    )


async def attachments_of(
    session: AsyncSession, message_ids: Sequence[int]
) -> dict[int, list[Attachment]]:
    """Return the attachments of the messages given, in order, in one query."""
    found: dict[int, list[Attachment]] = {}
    if not message_ids:
        return found
    rows = await session.scalars(
        select(Attachment)
        .where(Attachment.message_id.in_(list(message_ids)))
        .order_by(Attachment.message_id, Attachment.position)
    )
    for attachment in rows:
        found.setdefault(attachment.message_id, []).append(attachment)
    return found
