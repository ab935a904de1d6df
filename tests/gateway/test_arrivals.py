"""The inbound queue: stored once, handled in each sender's order, retried, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from db.models import InboundArrival, Message
from db.session import SessionMaker, transaction
from gateway.arrivals import FAILED, MAX_ATTEMPTS, PENDING, backoff, process_arrivals, store_arrival
from gateway.channels.base import InboundMessage
from gateway.inbound import InboundContext, InboundRouter
from tests.factories import create_site

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def sms(text: str, sid: str, sender: str = "+33612345678") -> InboundMessage:
    return InboundMessage(channel="sms", address=sender, text=text, provider_id=sid)


class Recording(InboundRouter):
    """Takes every message, writing down who said what in the order it was handled."""

    def __init__(self, *, failing: str | None = None) -> None:
        super().__init__()
        self.handled: list[tuple[str, str]] = []
        self.failing = failing

    async def route(self, ctx: InboundContext) -> str:
        if ctx.text == self.failing:
            raise RuntimeError("le gestionnaire a échoué")
        self.handled.append((ctx.contact.address, ctx.text))
        return "recorded"


async def store(sessionmaker: SessionMaker, *messages: InboundMessage) -> list[bool]:
    async with transaction(sessionmaker) as session:
        await create_site(session)
    stored = []
    for message in messages:
        async with transaction(sessionmaker) as session:
            stored.append(await store_arrival(session, message, now=NOW))
    return stored


async def run(sessionmaker: SessionMaker, router: InboundRouter, *, now: datetime = NOW) -> int:
    async with transaction(sessionmaker) as session:
        batch = await process_arrivals(session, router, now=now, limit=50)
    return batch.handled


async def arrivals(sessionmaker: SessionMaker) -> list[tuple[str | None, str, int]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(InboundArrival.body, InboundArrival.status, InboundArrival.attempts).order_by(
                InboundArrival.id
            )
        )
        return [(body, status, attempts) for body, status, attempts in rows.all()]


async def test_a_repeated_provider_id_is_stored_once_and_the_address_made_canonical(
    sessionmaker: SessionMaker,
) -> None:
    stored = await store(
        sessionmaker, sms("un", "SM1", "06 12 34 56 78"), sms("un", "SM1", "06 12 34 56 78")
    )
    assert stored == [True, False]
    async with sessionmaker() as session:
        assert (await session.scalars(select(InboundArrival.address))).all() == ["+33612345678"]


async def test_an_unreadable_number_is_refused_before_anything_is_stored(
    sessionmaker: SessionMaker,
) -> None:
    with pytest.raises(ValueError, match="numéro"):
        await store(sessionmaker, sms("un", "SM1", "pas un numéro"))
    assert await arrivals(sessionmaker) == []


async def test_arrivals_are_handled_in_order_logged_with_their_arrival_time_then_removed(
    sessionmaker: SessionMaker,
) -> None:
    await store(sessionmaker, sms("un", "SM1"), sms("a", "SM2", "+33611111111"), sms("deux", "SM3"))
    router = Recording()
    assert await run(sessionmaker, router, now=NOW + timedelta(minutes=1)) == 3
    assert router.handled == [
        ("+33612345678", "un"),
        ("+33611111111", "a"),
        ("+33612345678", "deux"),
    ]
    assert await arrivals(sessionmaker) == []
    async with sessionmaker() as session:
        times = (await session.scalars(select(Message.created_at))).all()
    assert times == [NOW] * 3


async def test_a_failure_retries_later_holding_back_only_its_sender(
    sessionmaker: SessionMaker,
) -> None:
    await store(
        sessionmaker, sms("boom", "SM1"), sms("après", "SM2"), sms("autre", "SM3", "+33611111111")
    )
    router = Recording(failing="boom")
    assert await run(sessionmaker, router) == 1
    assert router.handled == [("+33611111111", "autre")]
    assert await arrivals(sessionmaker) == [("boom", PENDING, 1), ("après", PENDING, 0)]
    # Not before the backoff; after it, once the handler works again, both go, in order.
    assert await run(sessionmaker, router, now=NOW + backoff(1) - timedelta(seconds=1)) == 0
    router.failing = None
    assert await run(sessionmaker, router, now=NOW + backoff(1)) == 2
    assert router.handled[1:] == [("+33612345678", "boom"), ("+33612345678", "après")]


async def test_a_message_that_keeps_failing_is_given_up_visibly_and_frees_its_sender(
    sessionmaker: SessionMaker,
) -> None:
    await store(sessionmaker, sms("boom", "SM1"), sms("après", "SM2"))
    router = Recording(failing="boom")
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await run(sessionmaker, router, now=now) == 0
        now += backoff(attempt)
    assert await run(sessionmaker, router, now=now) == 1
    assert router.handled == [("+33612345678", "après")]
    rows = await arrivals(sessionmaker)
    assert rows == [("boom", FAILED, MAX_ATTEMPTS)]
    async with sessionmaker() as session:
        error = await session.scalar(select(InboundArrival.error))
    assert error == "RuntimeError: le gestionnaire a échoué"


async def test_an_arrival_already_on_the_record_is_not_handled_twice(
    sessionmaker: SessionMaker,
) -> None:
    router = Recording()
    await store(sessionmaker, sms("un", "SM1"))
    assert await run(sessionmaker, router) == 1
    await store(sessionmaker, sms("un", "SM1"))  # the provider's retry, after it was handled
    assert await run(sessionmaker, router) == 1
    assert router.handled == [("+33612345678", "un")]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 1


async def test_an_earlier_arrival_held_elsewhere_holds_back_the_later_ones(
    sessionmaker: SessionMaker,
) -> None:
    await store(sessionmaker, sms("un", "SM1"), sms("deux", "SM2"), sms("a", "SM3", "+33611111111"))
    router = Recording()
    async with transaction(sessionmaker) as session:
        # As if another consumer held the first: this claim sees it pending but cannot take it.
        first = await session.scalar(select(func.min(InboundArrival.id)))
        await session.execute(
            update(InboundArrival)
            .where(InboundArrival.id == first)
            .values(next_attempt_at=NOW + timedelta(hours=1))
        )
    assert await run(sessionmaker, router) == 1
    assert router.handled == [("+33611111111", "a")]
