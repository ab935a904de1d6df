"""Fetching attachments: claimed in one short transaction, downloaded outside any, then settled.

Rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's BEGIN IMMEDIATE lets
one claimer in at a time): a claim counts the attempt and holds the row with a lease in
`next_attempt_at`, so a process that dies mid-download leaves it to be fetched again. Each
file is streamed from the provider into the store, its size bounded, its type read from its
first bytes, its checksum computed on the way; nothing of it is ever whole in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, Message
from db.models.attachments import FAILED, PENDING, STORED
from db.session import SessionMaker, transaction
from gateway.channels.base import MediaSource, MediaUnavailable, too_large
from gateway.media_store import Store
from gateway.media_types import FileCheck, refusal
from gateway.writers import Writers

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# Longer than any download may take: a row still held after it was left by a dead process.
LEASE = timedelta(minutes=10)
# The wait after the first and the second failed attempt.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=5))
MAX_REASON = 300
INTERRUPTED = "téléchargement interrompu à chaque essai"
# The channels whose provider keeps a copy of a file that Lien deletes once it has its own.
REMOVED_AFTER_FETCH = frozenset({"sms"})


@dataclass(frozen=True)
class Due:
    """An attachment claimed for fetching; `attempts` counts this one."""

    id: int
    organisation_id: int
    channel: str
    provider_ref: str
    declared_type: str | None
    attempts: int

    @property
    def storage_key(self) -> str:
        return f"{self.organisation_id}/{self.id}"


@dataclass(frozen=True)
class Result:
    """What one fetch came to: stored, refused for good, or to try again."""

    stored: bool
    lasting: bool = False
    reason: str | None = None
    detected_type: str | None = None
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class FetchPass:
    claimed: int
    stored: int
    retried: int
    failed: int


class Refused(Exception):
    """The file itself is not one to keep: too large, empty, or not what it claims to be."""

    def __init__(self, reason: str, detected: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detected = detected


async def fetch_due(
    sessionmaker: SessionMaker,
    *,
    sources: Mapping[str, MediaSource],
    store: Store,
    now: datetime,
    max_bytes: int,
    limit: int = 8,
    writers: Writers | None = None,
) -> FetchPass:
    """Claim due attachments of the channels given, fetch them at once, write what came of it."""
    writers = writers or Writers(single_writer=False)
    async with writers.turn(), transaction(sessionmaker) as session:
        due = await claim_due(session, channels=list(sources), now=now, limit=limit)
    if not due:
        return FetchPass(0, 0, 0, 0)
    results = await asyncio.gather(
        *(fetch_one(item, sources[item.channel], store, max_bytes=max_bytes) for item in due)
    )
    async with writers.turn(), transaction(sessionmaker) as session:
        return await settle(session, list(zip(due, results, strict=True)), now=now)


async def claim_due(
    session: AsyncSession, *, channels: Sequence[str], now: datetime, limit: int
) -> list[Due]:
    """Take up to `limit` pending attachments due now, counting the attempt and leasing them."""
    stmt = (
        select(
            Attachment.id,
            Attachment.organisation_id,
            Message.channel,
            Attachment.provider_ref,
            Attachment.declared_type,
            Attachment.attempts,
        )
        .join(Message, Attachment.message_id == Message.id)
        .where(
            Attachment.status == PENDING,
            Message.channel.in_(channels),
            or_(Attachment.next_attempt_at.is_(None), Attachment.next_attempt_at <= now),
        )
        .order_by(Attachment.id)
        .limit(limit)
        .with_for_update(of=Attachment, skip_locked=True)
    )
    rows = (await session.execute(stmt)).all()
    spent = [row.id for row in rows if row.attempts >= MAX_ATTEMPTS]
    if spent:
        # Every attempt was claimed and never settled: the process died on this file each time.
        await session.execute(
            update(Attachment)
            .where(Attachment.id.in_(spent))
            .values(status=FAILED, failure_reason=INTERRUPTED, next_attempt_at=None)
        )
    due = [Due(*row[:5], attempts=row.attempts + 1) for row in rows if row.id not in spent]
    if due:
        await session.execute(
            update(Attachment),
            [{"id": d.id, "attempts": d.attempts, "next_attempt_at": now + LEASE} for d in due],
        )
    return due


async def fetch_one(item: Due, source: MediaSource, store: Store, *, max_bytes: int) -> Result:
    """Stream one file from its provider into the store; never raise, say what happened."""
    check = _Checked(item.declared_type, max_bytes)
    try:
        async with aclosing(source.media(item.provider_ref, max_bytes=max_bytes)) as pieces:
            await store.put(item.storage_key, check.pieces(pieces))
    except Refused as exc:
        return Result(False, lasting=True, reason=exc.reason, detected_type=exc.detected)
    except MediaUnavailable as exc:
        return Result(False, lasting=exc.lasting, reason=exc.reason)
    except Exception as exc:
        log.exception("attachment fetch failed", extra={"attachment": item.id})
        return Result(False, reason=f"erreur inattendue : {type(exc).__name__}")
    return Result(
        True, detected_type=check.detected, size=check.size, sha256=check.digest.hexdigest()
    )


class _Checked(FileCheck):
    """A fetched file: kept if its content is a type Lien keeps and matches what was declared."""

    def __init__(self, declared: str | None, max_bytes: int) -> None:
        super().__init__(max_bytes)
        self.declared = declared

    def too_large(self) -> Exception:
        return Refused(too_large(self.max_bytes))

    def empty(self) -> Exception:
        return Refused("fichier vide")

    def accept(self, detected: str | None) -> str:
        reason = refusal(self.declared, detected)
        if reason is not None or detected is None:
            raise Refused(reason or "", detected)
        return detected


async def settle(
    session: AsyncSession, fetched: Sequence[tuple[Due, Result]], *, now: datetime
) -> FetchPass:
    """Write each fetch's outcome, unless another claim has taken the row since."""
    stored = retried = failed = 0
    for item, result in fetched:
        values: dict[str, Any] = {"detected_type": result.detected_type}
        if result.stored:
            stored += 1
            values |= {
                "status": STORED,
                "size": result.size,
                "sha256": result.sha256,
                "storage_key": item.storage_key,
                "failure_reason": None,
                "next_attempt_at": None,
                "fetched_at": now,
                "provider_removal_due_at": now if item.channel in REMOVED_AFTER_FETCH else None,
            }
        elif result.lasting or item.attempts >= MAX_ATTEMPTS:
            failed += 1
            values |= {"status": FAILED, "failure_reason": _reason(result), "next_attempt_at": None}
            log.warning("attachment not kept", extra={"attachment": item.id})
        else:
            retried += 1
            wait = BACKOFF[min(item.attempts, len(BACKOFF)) - 1]
            values |= {"failure_reason": _reason(result), "next_attempt_at": now + wait}
        await session.execute(
            update(Attachment)
            .where(
                Attachment.id == item.id,
                Attachment.status == PENDING,
                Attachment.attempts == item.attempts,
            )
            .values(**values)
        )
    return FetchPass(len(fetched), stored, retried, failed)


def _reason(result: Result) -> str:
    return (result.reason or "échec du téléchargement")[:MAX_REASON]
