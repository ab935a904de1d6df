"""The fetcher claims due attachments, streams them into the store, and settles each row."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from db.base import utcnow
from db.models import Attachment
from db.session import SessionMaker
from gateway.attachment_fetch import BACKOFF, LEASE, FetchPass, claim_due, fetch_due
from gateway.channels.base import InboundMessage, MediaRef, MediaUnavailable
from gateway.inbound import InboundRouter, receive
from gateway.media_store import FolderStore
from tests.factories import create_site
from tests.gateway.media import sample

PDF = sample("application/pdf", 300_000)


class MemorySource:
    """Files by reference, handed over in pieces; a reference may fail a few times first."""

    name = "sms"

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, int] = {}
        self.calls: list[str] = []

    async def media(self, reference: str, *, max_bytes: int) -> AsyncGenerator[bytes, None]:
        self.calls.append(reference)
        if self.failures.get(reference, 0) > 0:
            self.failures[reference] -= 1
            raise MediaUnavailable("Twilio a répondu 503")
        data = self.files[reference]
        for start in range(0, len(data), 10_000):
            yield data[start : start + 10_000]


async def received(sessionmaker: SessionMaker, *media: MediaRef) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
        inbound = InboundMessage(
            channel="sms", address="+33612345678", text="", provider_id="MM1", media=media
        )
        assert await receive(session, InboundRouter(), inbound) is not None


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


async def rows(sessionmaker: SessionMaker) -> list[Attachment]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Attachment).order_by(Attachment.id))).all())


async def test_a_file_is_stored_with_its_type_size_and_checksum(
    sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    source = MemorySource()
    source.files["u1"] = PDF
    await received(sessionmaker, MediaRef("u1", "application/pdf"))
    now = utcnow()
    done = await fetch_due(
        sessionmaker,
        sources={"sms": source},
        store=FolderStore(tmp_path),
        now=now,
        max_bytes=1_000_000,
    )
    assert (done.claimed, done.stored) == (1, 1)
    (row,) = await rows(sessionmaker)
    assert (row.status, row.detected_type, row.size) == ("stored", "application/pdf", len(PDF))
    assert row.sha256 == hashlib.sha256(PDF).hexdigest()
    assert row.fetched_at == now and row.attempts == 1 and row.failure_reason is None
    assert row.storage_key is not None
    assert (tmp_path / row.storage_key).read_bytes() == PDF


async def test_a_file_streamed_past_the_limit_is_cut_off_and_leaves_nothing(
    sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    source = MemorySource()  # announces no size: only the pieces tell
    source.files["u1"] = PDF
    await received(sessionmaker, MediaRef("u1", "application/pdf"))
    done = await fetch_due(
        sessionmaker,
        sources={"sms": source},
        store=FolderStore(tmp_path),
        now=utcnow(),
        max_bytes=len(PDF) - 1,
    )
    assert done.failed == 1
    (row,) = await rows(sessionmaker)
    assert (row.status, row.failure_reason) == ("failed", "fichier trop grand (plus de 0,286 Mo)")
    assert files_under(tmp_path) == []


async def test_a_claimed_row_is_held_until_its_lease_ends(
    sessionmaker: SessionMaker,
) -> None:
    await received(sessionmaker, MediaRef("u1", "application/pdf"))
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        (first,) = await claim_due(session, channels=["sms"], now=now, limit=5)
    async with sessionmaker() as session, session.begin():
        assert await claim_due(session, channels=["sms"], now=now + LEASE / 2, limit=5) == []
        assert await claim_due(session, channels=["telegram"], now=now + LEASE, limit=5) == []
    async with sessionmaker() as session, session.begin():
        # The process that held it died: the next claim takes it, as a new attempt.
        (again,) = await claim_due(session, channels=["sms"], now=now + LEASE, limit=5)
    assert (first.id, first.attempts, again.attempts) == (again.id, 1, 2)
    async with sessionmaker() as session, session.begin():
        (third,) = await claim_due(session, channels=["sms"], now=now + LEASE * 2, limit=5)
    async with sessionmaker() as session, session.begin():
        # Each attempt died with its process: the file is given up rather than tried forever.
        assert await claim_due(session, channels=["sms"], now=now + LEASE * 3, limit=5) == []
    (row,) = await rows(sessionmaker)
    assert (third.attempts, row.status, row.failure_reason) == (
        3,
        "failed",
        "téléchargement interrompu à chaque essai",
    )


async def test_a_failing_provider_is_asked_again_later_then_given_up_with_the_reason(
    sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    source = MemorySource()
    source.files["u1"] = PDF
    source.failures["u1"] = 5
    await received(sessionmaker, MediaRef("u1", "application/pdf"))

    async def fetch(at: datetime) -> FetchPass:
        return await fetch_due(
            sessionmaker,
            sources={"sms": source},
            store=FolderStore(tmp_path),
            now=at,
            max_bytes=1_000_000,
        )

    now = utcnow()
    assert (await fetch(now)).retried == 1
    second = now + BACKOFF[0]
    assert (await fetch(second - timedelta(seconds=1))).claimed == 0
    assert (await fetch(second)).retried == 1
    (row,) = await rows(sessionmaker)
    assert (row.status, row.failure_reason) == ("pending", "Twilio a répondu 503")
    assert (await fetch(second + BACKOFF[1])).failed == 1
    (row,) = await rows(sessionmaker)
    assert (row.status, row.attempts, row.failure_reason) == ("failed", 3, "Twilio a répondu 503")
    assert len(source.calls) == 3
    assert (await fetch(second + BACKOFF[1] * 10)).claimed == 0
