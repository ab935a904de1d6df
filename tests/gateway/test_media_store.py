"""The local folder store writes files in pieces, sealed with the message key when it is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from db.encryption import MessageKeys, UndecryptableBody
from gateway.media_store import FolderStore, SealedStore, open_store
from tests.gateway.media import sample

PHOTO = sample("image/jpeg", 200_000)


async def pieces(data: bytes, size: int = 65_536) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def keys(*values: str) -> MessageKeys:
    parsed = MessageKeys.parse(",".join(values))
    assert parsed is not None
    return parsed


async def read(store: FolderStore | SealedStore, key: str) -> bytes:
    return b"".join([piece async for piece in store.get(key)])


async def test_a_file_is_kept_as_given_without_a_key(tmp_path: Path) -> None:
    store = open_store(tmp_path, None)
    assert isinstance(store, FolderStore)
    await store.put("1/7", pieces(PHOTO))
    assert (tmp_path / "1" / "7").read_bytes() == PHOTO
    await store.delete("1/7")
    await store.delete("1/7")
    assert not (tmp_path / "1" / "7").exists()


async def test_with_a_key_the_file_on_disk_is_sealed_and_reads_back(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = open_store(tmp_path, keys(old))
    assert isinstance(sealed, SealedStore)
    await sealed.put("1/8", pieces(PHOTO, size=1000))
    on_disk = (tmp_path / "1" / "8").read_bytes()
    assert PHOTO[:64] not in on_disk and PHOTO[-64:] not in on_disk
    rotated = SealedStore(FolderStore(tmp_path), keys(new, old))
    assert await read(rotated, "1/8") == PHOTO
    stranger = SealedStore(FolderStore(tmp_path), keys(new))
    with pytest.raises(UndecryptableBody):
        await read(stranger, "1/8")


async def test_a_file_kept_before_the_key_was_set_reads_as_it_is(tmp_path: Path) -> None:
    await FolderStore(tmp_path).put("2/1", pieces(PHOTO))
    later = SealedStore(FolderStore(tmp_path), keys(Fernet.generate_key().decode()))
    assert await read(later, "2/1") == PHOTO


async def test_a_write_that_fails_leaves_nothing(tmp_path: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield PHOTO[:1000]
        raise ConnectionError("coupé")

    store = FolderStore(tmp_path)
    with pytest.raises(ConnectionError):
        await store.put("3/1", broken())
    assert list((tmp_path / "3").iterdir()) == []
    with pytest.raises(ValueError, match="invalid storage key"):
        await store.put("../etc/passwd", pieces(PHOTO))
