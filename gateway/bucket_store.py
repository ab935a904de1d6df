"""An S3-compatible bucket as the store of attachments, for several machines sharing files.

The files are the same as in the folder store (sealed by `SealedStore` above it when message
keys are set); only where they live differs. boto3's calls block, so each runs in a thread; a
file is written from a spooled temporary file (memory up to one piece, then disk) with boto3's
multipart upload, and read back in pieces: never whole in memory.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

READ_SIZE = 64 * 1024
_KEY = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")
_MISSING = {"NoSuchKey", "404", "NotFound"}


class BucketStore:
    """Files under a prefix of one bucket, a key being a relative path."""

    def __init__(self, client: Any, bucket: str, *, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def name(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise ValueError(f"invalid storage key: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, pieces: AsyncIterable[bytes]) -> None:
        name = self.name(key)
        # An upload either completes or leaves nothing under the key: the object appears whole.
        with tempfile.SpooledTemporaryFile(max_size=READ_SIZE) as spool:
            async for piece in pieces:
                await asyncio.to_thread(spool.write, piece)
            await asyncio.to_thread(spool.seek, 0)
            await asyncio.to_thread(self.client.upload_fileobj, spool, self.bucket, name)

    async def get(self, key: str) -> AsyncIterator[bytes]:
        name = self.name(key)
        try:
            found = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=name)
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                raise FileNotFoundError(name) from exc
            raise
        body = found["Body"]
        try:
            while piece := await asyncio.to_thread(body.read, READ_SIZE):
                yield piece
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        # S3 answers a deletion of a missing object with success, as the protocol asks.
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self.name(key))


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def open_bucket(bucket: str, *, endpoint_url: str | None, prefix: str = "") -> BucketStore:
    """Return the bucket store; credentials come from the usual AWS variables or files."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint_url)
    return BucketStore(client, bucket, prefix=prefix)
