"""Where fetched attachments are kept: a small `Store`, a local folder, sealed with the key.

Files are written and read in pieces, never whole in memory. With message keys set, every
piece is encrypted on its own (a Fernet token per line), so a file is sealed as it streams.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import IO, Protocol

from cryptography.fernet import InvalidToken

from db.encryption import MessageKeys, UndecryptableBody

READ_SIZE = 64 * 1024
_KEY = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")
# The first line of a sealed file. No file Lien keeps starts so: every kept type is
# recognised by other first bytes.
SEALED = b"lien-fernet-pieces/1\n"


class Store(Protocol):
    """Files by key: written from pieces, read as pieces, deleted."""

    async def put(self, key: str, pieces: AsyncIterable[bytes]) -> None:
        """Write a file from its pieces; on any error nothing is left under the key."""
        ...

    def get(self, key: str) -> AsyncIterator[bytes]:
        """Read a file back in pieces; raise FileNotFoundError when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a file; a missing one is no error."""
        ...


class FolderStore:
    """Files under one local folder, a key being a relative path."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"invalid storage key: {key!r}")
        return self.root / key

    async def put(self, key: str, pieces: AsyncIterable[bytes]) -> None:
        path = self.path(key)
        # Its own partial file: a process that outlived its lease may be writing the same key.
        partial = path.with_name(f"{path.name}.{secrets.token_hex(8)}.part")
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        file = await asyncio.to_thread(partial.open, "wb")
        try:
            async for piece in pieces:
                await asyncio.to_thread(file.write, piece)
            await asyncio.to_thread(_close_synced, file)
        except BaseException:
            file.close()
            partial.unlink(missing_ok=True)
            raise
        await asyncio.to_thread(os.replace, partial, path)

    async def get(self, key: str) -> AsyncIterator[bytes]:
        file = await asyncio.to_thread(self.path(key).open, "rb")
        try:
            while piece := await asyncio.to_thread(file.read, READ_SIZE):
                yield piece
        finally:
            file.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)


def _close_synced(file: IO[bytes]) -> None:
    file.flush()
    os.fsync(file.fileno())
    file.close()


class SealedStore:
    """Another store's files, encrypted with the message keys: the first seals, all open.

    A file written before a key was set is read as it is.
    """

    def __init__(self, inner: Store, keys: MessageKeys) -> None:
        self.inner = inner
        self.keys = keys

    async def put(self, key: str, pieces: AsyncIterable[bytes]) -> None:
        await self.inner.put(key, self._sealed(pieces))

    async def _sealed(self, pieces: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        yield SEALED
        async for piece in pieces:
            if piece:
                yield self.keys.primary.encrypt(piece) + b"\n"

    async def get(self, key: str) -> AsyncIterator[bytes]:
        buffer = b""
        sealed: bool | None = None
        async for piece in self.inner.get(key):
            buffer += piece
            if sealed is None:
                if len(buffer) < len(SEALED) and SEALED.startswith(buffer):
                    continue
                sealed = buffer.startswith(SEALED)
                buffer = buffer.removeprefix(SEALED) if sealed else buffer
            if not sealed:
                yield buffer
                buffer = b""
                continue
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                yield self._open(line)
        if buffer:
            yield self._open(buffer) if sealed else buffer

    def _open(self, line: bytes) -> bytes:
        try:
            return self.keys.all.decrypt(line)
        except InvalidToken as exc:
            raise UndecryptableBody("pièce jointe chiffrée avec une clé absente") from exc

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)


def open_store(root: Path, keys: MessageKeys | None, *, inner: Store | None = None) -> Store:
    """Return the local folder store (or `inner`, a bucket), sealed when message keys are set."""
    where = inner if inner is not None else FolderStore(root)
    return where if keys is None else SealedStore(where, keys)
