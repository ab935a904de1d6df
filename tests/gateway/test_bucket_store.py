"""The S3-compatible bucket store, against a local S3 server (moto's, on loopback)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import boto3
import pytest
from cryptography.fernet import Fernet
from moto.server import ThreadedMotoServer

from db.encryption import MessageKeys
from gateway.bucket_store import BucketStore
from gateway.media_store import SEALED, SealedStore
from lien.settings import Settings
from tests.gateway.media import sample

BUCKET = "lien-files"
PDF = sample("application/pdf", 300_000)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def client(s3_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "lien-test",
        "AWS_SECRET_ACCESS_KEY": "lien-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    made = boto3.client("s3", endpoint_url=s3_url)
    existing = {b["Name"] for b in made.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        made.create_bucket(Bucket=BUCKET)
    return made


async def pieces(data: bytes, size: int = 50_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read(store: Any, key: str) -> bytes:
    return b"".join([piece async for piece in store.get(key)])


async def test_a_file_is_written_in_pieces_read_back_and_deleted(client: Any) -> None:
    store = BucketStore(client, BUCKET, prefix="attachments")
    await store.put("2026/12/a1", pieces(PDF))
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix="attachments/2026/12/")
    assert [o["Key"] for o in listed["Contents"]] == ["attachments/2026/12/a1"]
    assert await read(store, "2026/12/a1") == PDF
    await store.delete("2026/12/a1")
    await store.delete("2026/12/a1")  # a missing file is no error
    with pytest.raises(FileNotFoundError):
        await read(store, "2026/12/a1")


async def test_a_failed_write_leaves_nothing_under_the_key(client: Any) -> None:
    store = BucketStore(client, BUCKET)

    async def broken() -> AsyncIterator[bytes]:
        yield PDF[:1000]
        raise ConnectionError("the provider hung up")

    with pytest.raises(ConnectionError):
        await store.put("half", broken())
    with pytest.raises(FileNotFoundError):
        await read(store, "half")


async def test_with_a_key_the_object_in_the_bucket_is_sealed(client: Any) -> None:
    keys = MessageKeys.parse(Fernet.generate_key().decode())
    assert keys is not None
    sealed = SealedStore(BucketStore(client, BUCKET), keys)
    await sealed.put("sealed-1", pieces(PDF))
    raw = client.get_object(Bucket=BUCKET, Key="sealed-1")["Body"].read()
    assert raw.startswith(SEALED) and PDF[:200] not in raw
    assert await read(sealed, "sealed-1") == PDF


async def test_the_settings_choose_the_bucket_when_one_is_named(client: Any, s3_url: str) -> None:
    settings = Settings(
        _env_file=None,
        attachment_bucket=BUCKET,
        attachment_bucket_prefix="lien",
        s3_endpoint_url=s3_url,
    )
    store = settings.attachment_store()
    await store.put("from-settings", pieces(PDF[:10_000]))
    assert client.head_object(Bucket=BUCKET, Key="lien/from-settings")["ContentLength"] == 10_000
    assert await read(store, "from-settings") == PDF[:10_000]
