"""The inbound queue: an arrival is stored at once, then each person's arrivals run in order.

The webhook only stores (`store_arrival`) and commits. Consumers claim arrivals with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's BEGIN IMMEDIATE lets one claimer in at a time),
and take an arrival only when every earlier pending arrival of the same sender is theirs too:
one person's messages are never handled at once by two consumers, nor out of order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.models import InboundArrival
from db.session import insert_ignore_many
from gateway.attachments import split_media, with_media
from gateway.channels.base import InboundMessage, checked_inbound
from gateway.inbound import InboundRouter, receive
from gateway.records import normalize_address

log = logging.getLogger(__name__)
PENDING = "pending"
FAILED = "failed"
MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 300.0

Sender = tuple[str, str]


def arrival_values(inbound: InboundMessage, *, now: datetime) -> dict[str, Any]:
    """Return the row that stores a message as received.

    Raise ValueError when the message cannot be stored (see `checked_inbound`) or its sender's
    address cannot be read.
    """
    inbound = checked_inbound(inbound)
    return {
        "channel": inbound.channel,
        "provider_id": inbound.provider_id,
        # Canonical, so that one person's arrivals are one sender whatever the number's form.
        "address": normalize_address(inbound.channel, inbound.address),
        "body": inbound.text,
        "display_name": inbound.display_name,
        "language_hint": inbound.language_hint,
        "extra": with_media(inbound.extra, inbound.media) or None,
        "received_at": now,
        "status": PENDING,
        "attempts": 0,
    }


async def store_arrivals(session: AsyncSession, rows: list[dict[str, Any]]) -> list[bool]:
    """Store arrivals in one statement, in order; say of each whether it went in.

    A provider id already queued (or repeated within `rows`) is a repeat, not stored again.
    """
    table = Base.metadata.tables["inbound_arrivals"]
    return await insert_ignore_many(session, table, rows, key=("channel", "provider_id"))


async def store_arrival(session: AsyncSession, inbound: InboundMessage, *, now: datetime) -> bool:
    """Store a message as received unless its provider id is already queued; say if it went in."""
    (stored,) = await store_arrivals(session, [arrival_values(inbound, now=now)])
    return stored


@dataclass(frozen=True)
class Batch:
    """What one pass did: arrivals claimed, handled, put back for a retry, replies queued."""

    claimed: int
    handled: int
    retried: int
    replies: int


def backoff(attempts: int) -> timedelta:
    """Wait longer after each failure, up to five minutes."""
    return timedelta(seconds=min(2.0**attempts, MAX_BACKOFF_SECONDS))


async def process_arrivals(
    session: AsyncSession,
    router: InboundRouter,
    *,
    now: datetime,
    limit: int,
    give_way: Callable[[], bool] = lambda: False,
) -> Batch:
    """Claim due arrivals and handle them in the caller's transaction, each sender in order.

    Once one is handled, `give_way()` saying True ends the batch early: the rest stay queued.
    """
    rows = await _claim(session, now=now, limit=limit)
    if not rows:
        return Batch(0, 0, 0, 0)
    runnable = await _in_order(session, rows)
    done: list[int] = []
    failing: set[Sender] = set()
    retried = replies = 0
    for row in runnable:
        sender = (row.channel, row.address)
        if sender in failing:
            continue  # waits behind its sender's earlier message
        if (done or retried) and give_way():
            break
        try:
            async with session.begin_nested():
                received = await receive(
                    session, router, _inbound(row), received_at=row.received_at
                )
        except Exception as exc:
            log.exception("inbound message failed", extra={"arrival": row.id})
            failing.add(sender)
            retried += 1
            await _retry_later(session, row, exc, now=now)
            continue
        done.append(row.id)
        if received is None:
            # A provider's retry of a message handled before its first delivery was answered.
            log.info("duplicate inbound message ignored", extra={"channel": row.channel})
        else:
            replies += len(received.replies)
    if done:
        await session.execute(delete(InboundArrival).where(InboundArrival.id.in_(done)))
    return Batch(len(rows), len(done), retried, replies)


async def _claim(session: AsyncSession, *, now: datetime, limit: int) -> list[Any]:
    stmt = (
        select(
            InboundArrival.id,
            InboundArrival.channel,
            InboundArrival.provider_id,
            InboundArrival.address,
            InboundArrival.body,
            InboundArrival.display_name,
            InboundArrival.language_hint,
            InboundArrival.extra,
            InboundArrival.received_at,
            InboundArrival.attempts,
        )
        .where(
            InboundArrival.status == PENDING,
            or_(InboundArrival.next_attempt_at.is_(None), InboundArrival.next_attempt_at <= now),
        )
        .order_by(InboundArrival.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).all())


async def _in_order(session: AsyncSession, rows: Sequence[Any]) -> list[Any]:
    """Keep the claimed arrivals that are next for their sender, in arrival order.

    An earlier pending arrival of the same sender that this claim did not get (another consumer
    holds it, or it waits for a retry) holds back every later one of that sender.
    """
    addresses = {row.address for row in rows}
    pending = await session.execute(
        select(InboundArrival.id, InboundArrival.channel, InboundArrival.address)
        .where(
            InboundArrival.status == PENDING,
            InboundArrival.address.in_(addresses),
            InboundArrival.id <= max(row.id for row in rows),
        )
        .order_by(InboundArrival.id)
    )
    earlier: dict[Sender, list[int]] = {}
    for arrival_id, channel, address in pending.all():
        earlier.setdefault((channel, address), []).append(arrival_id)
    claimed = {row.id: row for row in rows}
    runnable: list[Any] = []
    for ids in earlier.values():
        for arrival_id in ids:
            if arrival_id not in claimed:
                break
            runnable.append(claimed[arrival_id])
    return sorted(runnable, key=lambda row: row.id)


def _inbound(row: Any) -> InboundMessage:
    extra, media = split_media(row.extra)
    return InboundMessage(
        channel=row.channel,
        address=row.address,
        text=row.body or "",
        provider_id=row.provider_id,
        display_name=row.display_name,
        language_hint=row.language_hint,
        extra=extra,
        media=media,
    )


async def _retry_later(session: AsyncSession, row: Any, exc: Exception, *, now: datetime) -> None:
    attempts = row.attempts + 1
    given_up = attempts >= MAX_ATTEMPTS
    await session.execute(
        update(InboundArrival)
        .where(InboundArrival.id == row.id)
        .values(
            attempts=attempts,
            status=FAILED if given_up else PENDING,
            next_attempt_at=None if given_up else now + backoff(attempts),
            error=_reason(exc),
        )
    )


def _reason(exc: Exception) -> str:
    # Only the first line: database errors add the statement and its parameters after it.
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}"[:300]
