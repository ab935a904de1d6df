"""Answering with one kept file: its detected type, never sniffed, never cached, never framed."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

from gateway.attachment_files import AttachmentNotFound, ServedFile
from gateway.media_store import Store


async def file_response(
    store: Store, served: ServedFile, *, disposition: str | None = None
) -> StreamingResponse:
    """Return the file's pieces as the answer; raise AttachmentNotFound when it is gone.

    `disposition` replaces the one the file's kind gives (inline for pictures and recordings).

    The first piece is read before answering, so that a file missing from the store (erased
    meanwhile) answers 404 rather than a cut-off 200. The rest streams after the request's
    transaction has been committed.
    """
    pieces = store.get(served.storage_key)
    try:
        first = await anext(pieces, b"")
    except FileNotFoundError as exc:
        raise AttachmentNotFound(served.id) from exc
    headers = {
        "Content-Disposition": disposition or served.disposition,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if served.size is not None:
        headers["Content-Length"] = str(served.size)
    return StreamingResponse(_rest(first, pieces), media_type=served.media_type, headers=headers)


async def _rest(first: bytes, pieces: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        if first:
            yield first
        async for piece in pieces:
            yield piece
    finally:
        close = getattr(pieces, "aclose", None)
        if close is not None:
            await close()
