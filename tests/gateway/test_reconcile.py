from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Message, MessageEvent
from db.session import SessionMaker
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, FakeProviderServer, Fault
from gateway.channels.base import OutboundEnvelope, ProviderReport
from gateway.channels.twilio import TwilioChannel
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from gateway.reconcile import (
    NOT_RECEIVED,
    UNCONFIRMED,
    reconcile_unknown,
    settle_unconfirmed,
)
from tests.factories import create_person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
_people = itertools.count(10)


async def unknown(session: AsyncSession, *, channel: str, age: timedelta, **row: Any) -> int:
    n = next(_people)
    person = await create_person(session, phone=f"+336123456{n:02d}", telegram=str(n))
    spec = OutgoingMessage(beneficiary_id=person.id, text="Hi", origin=Origin("t"), channel=channel)
    message_id = await queue_message(session, spec)
    assert message_id is not None
    values = {"status": "unknown", "updated_at": NOW - age, **row}
    await session.execute(update(Message).where(Message.id == message_id).values(**values))
    return message_id


async def state(session: AsyncSession, message_id: int) -> tuple[str, str | None, str | None]:
    row = (
        await session.execute(
            select(Message.status, Message.error_code, Message.error_reason).where(
                Message.id == message_id
            )
        )
    ).one()
    return row.status, row.error_code, row.error_reason


async def test_sends_no_report_can_resolve_are_closed_after_a_day(session: AsyncSession) -> None:
    telegram = await unknown(session, channel="telegram", age=DAY + timedelta(minutes=1))
    sms_without_id = await unknown(session, channel="sms", age=DAY + timedelta(minutes=1))
    sms_with_id = await unknown(session, channel="sms", age=2 * DAY, provider_id="SM1")
    recent = await unknown(session, channel="telegram", age=DAY - timedelta(minutes=1))

    assert await settle_unconfirmed(session, NOW) == 2

    status, code, reason = await state(session, telegram)
    assert (status, code) == ("failed", UNCONFIRMED)
    assert reason is not None and "ne confirme pas" in reason and "jamais renvoyé" in reason
    assert (await state(session, sms_without_id))[:2] == ("failed", UNCONFIRMED)
    assert (await state(session, sms_with_id))[0] == "unknown"  # still open to a lookup
    assert (await state(session, recent))[0] == "unknown"
    events = await session.scalars(
        select(MessageEvent.status).where(MessageEvent.message_id == telegram)
    )
    assert list(events)[-1] == "failed"


async def test_a_send_that_can_be_looked_up_is_closed_after_three_days(
    session: AsyncSession,
) -> None:
    message_id = await unknown(session, channel="sms", age=3 * DAY + timedelta(1), provider_id="S")
    assert await settle_unconfirmed(session, NOW) == 1
    assert "jamais donné" in ((await state(session, message_id))[2] or "")


class Lookups:
    name = "sms"

    def __init__(self, answers: dict[str, ProviderReport | None]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def lookup(self, provider_id: str) -> ProviderReport | None:
        self.asked.append(provider_id)
        if provider_id == "broken":
            raise ConnectionError("provider down")
        return self.answers.get(provider_id)

    async def find(self, *, address: str, text: str, since: datetime) -> ProviderReport | None:
        self.asked.append(f"{address}|{text}")
        return self.answers.get(text)


async def test_unknown_sends_are_looked_up_by_id_or_by_recipient_and_text(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    delivered = await unknown(session, channel="sms", age=DAY, provider_id="A")
    forgotten = await unknown(session, channel="sms", age=DAY, provider_id="B")
    broken = await unknown(session, channel="sms", age=DAY, provider_id="broken")
    found = await unknown(session, channel="sms", age=DAY, body="Trouvé")
    never_left = await unknown(session, channel="sms", age=DAY, body="Perdu")
    too_recent = await unknown(session, channel="sms", age=timedelta(minutes=1), body="Trouvé")
    other_channel = await unknown(session, channel="telegram", age=DAY, provider_id="1:2")
    await session.commit()
    lookups = Lookups(
        {"A": ProviderReport("A", "delivered"), "Trouvé": ProviderReport("SM9", "sent")}
    )

    result = await reconcile_unknown(sessionmaker, lookups={"sms": lookups}, now=NOW)

    assert len(lookups.asked) == 5
    assert (result.asked, result.updated, result.requeued, result.not_received) == (5, 2, 1, 0)
    assert (result.unknown_to_provider, result.errors) == (1, 1)
    async with sessionmaker() as fresh:
        assert (await state(fresh, delivered))[0] == "delivered"
        assert (await state(fresh, found))[0] == "sent"
        assert (await state(fresh, never_left))[0] == "queued"
        for message_id in (forgotten, broken, too_recent, other_channel):
            assert (await state(fresh, message_id))[0] == "unknown"
        provider_id = await fresh.scalar(select(Message.provider_id).where(Message.id == found))
    assert provider_id == "SM9"


async def test_twilio_is_asked_by_message_sid(fake_provider: FakeProviderServer) -> None:
    channel = TwilioChannel(
        account_sid=DEFAULT_TWILIO_SID,
        auth_token=DEFAULT_TWILIO_TOKEN,
        sender="+33700000000",
        messaging_service_sid=None,
        api_url=fake_provider.twilio_api_url,
        status_callback_url=None,
        timeout=0.5,
    )
    await channel.start()
    try:
        fake_provider.state.inject("twilio", Fault.undelivered(30003))
        sent = await channel.send(OutboundEnvelope(1, "+33612345678", "Bonjour"))
        assert sent.provider_id is not None
        report = await channel.lookup(sent.provider_id)
        missing = await channel.lookup("SM" + "0" * 32)
        by_text = await channel.find(address="+33612345678", text="Bonjour", since=NOW - DAY * 400)
        other = await channel.find(address="+33612345678", text="Autre", since=NOW - DAY * 400)
    finally:
        await channel.stop()
    assert report == ProviderReport(sent.provider_id, "undelivered", "30003")
    assert missing is None
    assert by_text == report
    assert other is None


async def test_a_send_the_provider_never_received_is_queued_again_once_then_closed(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    lost = await unknown(session, channel="sms", age=DAY, body="Alerte", dedup_key="alert:1:7")
    await session.commit()
    lookups = Lookups({})

    first = await reconcile_unknown(sessionmaker, lookups={"sms": lookups}, now=NOW)
    assert (first.requeued, first.not_received) == (1, 0)
    async with sessionmaker() as fresh:
        row = (
            await fresh.execute(
                select(Message.status, Message.dedup_key, Message.lease_owner).where(
                    Message.id == lost
                )
            )
        ).one()
        assert tuple(row) == ("queued", "alert:1:7", None)
        events = (
            await fresh.scalars(
                select(MessageEvent.detail)
                .where(MessageEvent.message_id == lost)
                .order_by(MessageEvent.id)
            )
        ).all()
        assert events[-1] is not None and "remis en file, une seule fois" in events[-1]
        # The second send is lost the same way.
        await fresh.execute(
            update(Message).where(Message.id == lost).values(status="unknown", updated_at=NOW)
        )
        await fresh.commit()

    second = await reconcile_unknown(
        sessionmaker, lookups={"sms": lookups}, now=NOW + timedelta(hours=1)
    )
    assert (second.requeued, second.not_received) == (0, 1)
    async with sessionmaker() as fresh:
        status, code, reason = await state(fresh, lost)
    assert (status, code) == ("failed", NOT_RECEIVED)
    assert reason is not None and "non envoyé" in reason
