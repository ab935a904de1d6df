"""A file staff attach to a reply, from the console's form or the API, into the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeGuard

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from db.scope import owning_organisation
from gateway.media_store import open_store
from gateway.outbound_files import OutboundFile, receive_file
from lien.settings import Settings

READ_SIZE = 64 * 1024


async def store_reply_file(
    session: AsyncSession, settings: Settings, upload: UploadFile
) -> OutboundFile:
    """Check and store an uploaded file; raise gateway.outbound_files.FileRefused."""
    organisation_id = await owning_organisation(session)
    return await receive_file(
        open_store(settings.attachment_folder, settings.message_keys()),
        _pieces(upload),
        organisation_id=organisation_id,
        file_name=upload.filename,
        max_bytes=settings.attachment_max_bytes,
    )


def has_file(upload: object) -> TypeGuard[UploadFile]:
    """Tell whether a form field holds a chosen file (browsers send an empty one otherwise)."""
    return isinstance(upload, UploadFile) and bool(upload.filename)


async def _pieces(upload: UploadFile) -> AsyncIterator[bytes]:
    while piece := await upload.read(READ_SIZE):
        yield piece
