"""A file staff attach to a reply, from the console's form or the API, into the store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeGuard

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from db.scope import owning_organisation
from gateway.media_store import Store
from gateway.outbound_files import OutboundFile, receive_file
from lien.settings import Settings

READ_SIZE = 64 * 1024


async def store_reply_file(
    session: AsyncSession, store: Store, settings: Settings, upload: UploadFile
) -> OutboundFile:
    """Check and store an uploaded file; raise gateway.outbound_files.FileRefused.

    What the request read so far (the sign-in, the ticket's existence) is committed first, so
    the session gives its connection back: no transaction waits while a file of up to
    LIEN_ATTACHMENT_MAX_BYTES is checked, hashed and sealed. What follows opens a new one.
    """
    organisation_id = await owning_organisation(session)
    await release_reads(session)
    return await receive_file(
        store,
        _pieces(upload),
        organisation_id=organisation_id,
        file_name=upload.filename,
        max_bytes=settings.attachment_max_bytes,
    )


async def release_reads(session: AsyncSession) -> None:
    """End the request's transaction so far, before work too slow to hold a connection for."""
    await session.commit()


@asynccontextmanager
async def discarded_on_failure(
    store: Store, stored: OutboundFile | None
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Delete a stored file if what follows fails; yield a way to delete it when refused."""

    async def discard() -> None:
        if stored is not None:
            await store.delete(stored.storage_key)

    try:
        yield discard
    except BaseException:
        await discard()
        raise


def has_file(upload: object) -> TypeGuard[UploadFile]:
    """Tell whether a form field holds a chosen file (browsers send an empty one otherwise)."""
    return isinstance(upload, UploadFile) and bool(upload.filename)


async def _pieces(upload: UploadFile) -> AsyncIterator[bytes]:
    while piece := await upload.read(READ_SIZE):
        yield piece
