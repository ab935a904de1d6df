"""Webhooks' arrivals share commits, keep the order they came in, and refuse only the bad one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.models import InboundArrival
from db.session import SessionMaker
from gateway import arrival_writer
from gateway.arrival_writer import ArrivalWriter
from gateway.arrivals import arrival_values
from gateway.channels.base import InboundMessage
from gateway.writers import Writers

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class Ticking:
    """A clock that moves one millisecond each time it is read."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def sms(n: int, sender: str = "+33612345678", *, sid: str | None = None) -> InboundMessage:
    return InboundMessage("sms", sender, f"message {n}", sid or f"SM{n:06d}")


def writer(sessionmaker: SessionMaker, engine_dialect: str) -> ArrivalWriter:
    return ArrivalWriter(
        sessionmaker, Writers(single_writer=engine_dialect == "sqlite"), clock=Ticking()
    )


async def stored(sessionmaker: SessionMaker) -> list[tuple[str, str | None, datetime]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(
                InboundArrival.address, InboundArrival.body, InboundArrival.received_at
            ).order_by(InboundArrival.id)
        )
        return [(a, b, r.replace(tzinfo=UTC) if r.tzinfo is None else r) for a, b, r in rows]


async def test_webhooks_at_once_share_commits_and_keep_their_order(
    sessionmaker: SessionMaker,
) -> None:
    arrivals = writer(sessionmaker, sessionmaker.kw["bind"].dialect.name)
    senders = ["+33612345678", "+33698765432"]
    results = await asyncio.gather(*(arrivals.store(sms(n, senders[n % 2])) for n in range(60)))
    assert results == [True] * 60
    # Those that came while a batch committed wait for the next one: a few commits, not 60.
    assert arrivals.commits <= 3
    rows = await stored(sessionmaker)
    assert [body for _, body, _ in rows] == [f"message {n}" for n in range(60)]
    times = [at for _, _, at in rows]
    assert times == sorted(times) and len(set(times)) == 60


async def test_a_repeat_is_not_stored_again_within_a_batch_or_after(
    sessionmaker: SessionMaker,
) -> None:
    arrivals = writer(sessionmaker, sessionmaker.kw["bind"].dialect.name)
    first = await asyncio.gather(
        arrivals.store(sms(1)), arrivals.store(sms(2)), arrivals.store(sms(3, sid="SM000002"))
    )
    again = await arrivals.store(sms(1))
    assert list(first) == [True, True, False] and again is False
    assert [body for _, body, _ in await stored(sessionmaker)] == ["message 1", "message 2"]


async def test_a_message_that_cannot_be_stored_is_refused_alone(
    sessionmaker: SessionMaker,
) -> None:
    arrivals = writer(sessionmaker, sessionmaker.kw["bind"].dialect.name)
    results = await asyncio.gather(
        arrivals.store(sms(1)),
        arrivals.store(sms(2, sid="T" * 65)),  # longer than any provider's id: refused at once
        arrivals.store(sms(3)),
        return_exceptions=True,
    )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], ValueError)
    assert [body for _, body, _ in await stored(sessionmaker)] == ["message 1", "message 3"]


async def test_a_database_refusal_fails_only_its_own_webhook(
    sessionmaker: SessionMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    def values(inbound: InboundMessage, *, now: datetime) -> dict[str, Any]:
        row = arrival_values(inbound, now=now)
        # NOT NULL: the database refuses the row, and with it the batch's one statement.
        return row | {"received_at": None} if inbound.text == "message 2" else row

    monkeypatch.setattr(arrival_writer, "arrival_values", values)
    arrivals = writer(sessionmaker, sessionmaker.kw["bind"].dialect.name)
    results = await asyncio.gather(
        *(arrivals.store(sms(n)) for n in (1, 2, 3)), return_exceptions=True
    )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], IntegrityError)
    assert arrivals.commits == 2  # the batch was refused: the good two went in one by one
    assert [body for _, body, _ in await stored(sessionmaker)] == ["message 1", "message 3"]


@pytest.mark.parametrize("count", [1, 250])
async def test_more_than_a_batch_all_go_in(sessionmaker: SessionMaker, count: int) -> None:
    arrivals = writer(sessionmaker, sessionmaker.kw["bind"].dialect.name)
    results = await asyncio.gather(*(arrivals.store(sms(n)) for n in range(count)))
    assert all(results) and len(await stored(sessionmaker)) == count
