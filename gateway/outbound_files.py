"""Files staff send with a reply: checked by content, stored sealed, then tied to the message.

The file is written to the store before the message is queued, so the outbox row that names
it never points at nothing; a crash before the commit leaves only an unreferenced file.
Telegram sends the file itself; an SMS, which cannot carry one to French numbers, carries a
signed link to it, written into the text so that its segments count it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import InvalidError
from db.models import Attachment, Message
from db.models.attachments import OUTBOUND, STORED
from gateway.channels.base import too_large
from gateway.encoding import analyze_sms
from gateway.file_links import FileLinks
from gateway.media_store import Store
from gateway.media_types import FileCheck

# What staff may send: what every phone opens.
SENDABLE = frozenset({"image/jpeg", "image/png", "application/pdf"})
MAX_NAME = 200
# The channels that carry a file itself; the others (SMS, the simulator) carry a link to it.
CARRIES_FILES = frozenset({"telegram"})


class FileRefused(InvalidError):
    """A file staff may not send; `why` names the case for screens with their own words."""

    code = "file_refused"

    def __init__(self, message: str, *, why: str) -> None:
        super().__init__(message)
        self.why = why


@dataclass(frozen=True)
class OutboundFile:
    """A file staff attached to a reply, already in the store."""

    storage_key: str
    content_type: str
    size: int
    sha256: str
    file_name: str


async def receive_file(
    store: Store,
    pieces: AsyncIterable[bytes],
    *,
    organisation_id: int,
    file_name: str | None,
    max_bytes: int,
) -> OutboundFile:
    """Store an uploaded file if it is an image or a PDF under the limit; raise FileRefused."""
    check = _Sendable(max_bytes)
    key = f"{organisation_id}/out-{secrets.token_hex(12)}"
    await store.put(key, check.pieces(pieces))
    assert check.detected is not None  # a file the check let through has its type
    name = (file_name or "").replace("\x00", "").strip()[-MAX_NAME:] or "fichier"
    return OutboundFile(key, check.detected, check.size, check.digest.hexdigest(), name)


class _Sendable(FileCheck):
    """A file staff attach: an image or a PDF, whatever name or type the browser gave it."""

    def too_large(self) -> Exception:
        return FileRefused(too_large(self.max_bytes), why="too_large")

    def empty(self) -> Exception:
        return FileRefused("le fichier est vide", why="empty")

    def accept(self, detected: str | None) -> str:
        if detected not in SENDABLE:
            raise FileRefused(
                "seuls une image (JPEG ou PNG) ou un document PDF peuvent être envoyés",
                why="type",
            )
        return detected


async def attach_file(
    session: AsyncSession,
    *,
    message_id: int,
    organisation_id: int,
    channel: str,
    body: str,
    file: OutboundFile,
    links: FileLinks | None,
    now: datetime,
) -> int:
    """Tie a stored file to a queued message; where no file can go, its text gets a link."""
    attachment_id = await session.scalar(
        insert(Attachment)
        .values(
            organisation_id=organisation_id,
            message_id=message_id,
            position=0,
            direction=OUTBOUND,
            provider_ref="",
            declared_type=file.content_type,
            detected_type=file.content_type,
            size=file.size,
            sha256=file.sha256,
            storage_key=file.storage_key,
            file_name=file.file_name,
            status=STORED,
            attempts=0,
            created_at=now,
            fetched_at=now,
        )
        .returning(Attachment.id)
    )
    assert attachment_id is not None
    if channel not in CARRIES_FILES:
        if links is None:
            raise FileRefused("l'envoi de fichiers par SMS n'est pas configuré", why="no_links")
        text = f"{body}\n{links.link(attachment_id, now=now)}".lstrip("\n")
        values: dict[str, object] = {"body": text}
        if channel == "sms":
            analysis = analyze_sms(text)
            values |= {"encoding": analysis.encoding, "segments": analysis.segments}
        await session.execute(update(Message).where(Message.id == message_id).values(**values))
    return int(attachment_id)


async def file_of(session: AsyncSession, message_id: int) -> OutboundFile | None:
    """Return the stored file a queued message carries, if it carries one."""
    row = (
        await session.execute(
            select(Attachment).where(
                Attachment.message_id == message_id,
                Attachment.direction == OUTBOUND,
                Attachment.status == STORED,
            )
        )
    ).scalar_one_or_none()
    if row is None or row.storage_key is None:
        return None
    return OutboundFile(
        storage_key=row.storage_key,
        content_type=row.detected_type or row.declared_type or "",
        size=row.size or 0,
        sha256=row.sha256 or "",
        file_name=row.file_name or "fichier",
    )
