"""The dispatcher as a worker runs it: sends overlap, a slow answer holds back nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContactPoint, Message
from db.session import SessionMaker
from gateway.channels.base import OutboundEnvelope, Outcome, SendResult
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from gateway.ratelimit import RateLimits
from tests.factories import create_person

SLOW = "+33600000009"


class HeldChannel:
    """Answers at once, except for one address, which waits until released."""

    name = "sms"

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls: list[str] = []
        self.texts: dict[str, list[str]] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, envelope: OutboundEnvelope) -> SendResult:
        self.calls.append(envelope.address)
        self.texts.setdefault(envelope.address, []).append(envelope.text)
        if envelope.address == SLOW and envelope.text == "Bonjour":
            await self.release.wait()
        if envelope.address.endswith("7"):
            raise RuntimeError("a bug in a channel")
        return SendResult(Outcome.SENT, provider_id=f"P{envelope.message_id}")


async def statuses_by_address(sessionmaker: SessionMaker) -> dict[str, str]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(ContactPoint.address, Message.status).join(
                Message, Message.contact_point_id == ContactPoint.id
            )
        )
        return dict(rows.all())


async def eventually(check: Callable[[], Awaitable[bool]], *, tries: int = 400) -> None:
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not reached")


async def test_a_slow_answer_holds_back_no_other_message(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    for phone in (SLOW, "+33600000001", "+33600000002", "+33600000007"):
        person = await create_person(session, phone=phone)
        spec = OutgoingMessage(beneficiary_id=person.id, text="Bonjour", origin=Origin("t"))
        await queue_message(session, spec)
        if phone == SLOW:
            slow_person = person
    then = OutgoingMessage(beneficiary_id=slow_person.id, text="Et ensuite", origin=Origin("t"))
    await queue_message(session, then)  # must not overtake the slow one to the same person
    await session.commit()
    channel = HeldChannel()
    dispatcher = Dispatcher(
        sessionmaker=sessionmaker,
        channels={"sms": channel},
        limits=RateLimits({}),
        config=DispatcherConfig(batch_size=2, poll_interval=0.02),
    )
    running = asyncio.create_task(dispatcher.run_forever())

    async def others_done() -> bool:
        found = await statuses_by_address(sessionmaker)
        return found["+33600000001"] == found["+33600000002"] == "sent"

    await eventually(others_done)
    found = await statuses_by_address(sessionmaker)
    assert found["+33600000007"] == "unknown"  # the channel raised: never retried blindly
    assert channel.texts[SLOW] == ["Bonjour"]  # the next one waits for it
    dispatcher.stop()
    channel.release.set()  # a clean stop lets the calls under way end and records them
    await running
    assert channel.texts[SLOW] == ["Bonjour", "Et ensuite"]
    async with sessionmaker() as fresh:
        states = await fresh.scalars(
            select(Message.status).where(Message.beneficiary_id == slow_person.id)
        )
        assert list(states) == ["sent", "sent"]
