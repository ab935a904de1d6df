from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChannelState, ContactPoint, Message, MessageEvent
from db.session import SessionMaker
from gateway.channels.base import OutboundEnvelope, Outcome, SendResult
from gateway.consent import OPT_OUT, record_consent
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, Priority, queue_message
from gateway.ratelimit import RateLimits
from tests.factories import create_person
from tests.providers import ScriptedChannel

# A Tuesday at 10:00 in Paris: inside the default sending window.
OPEN = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def dispatcher(
    sessionmaker: SessionMaker, *channels: ScriptedChannel, rates: dict[str, float] | None = None
) -> Dispatcher:
    return Dispatcher(
        sessionmaker=sessionmaker,
        channels={c.name: c for c in channels},
        limits=RateLimits(rates or {}),
        config=DispatcherConfig(lease_seconds=60, max_attempts=3),
    )


async def queue(session: AsyncSession, **kwargs: object) -> int:
    person = kwargs.pop("person", None) or await create_person(session)
    spec = OutgoingMessage(
        beneficiary_id=person.id,  # type: ignore[attr-defined]
        text=str(kwargs.pop("text", "Bonjour")),
        origin=Origin("staff"),
        **kwargs,  # type: ignore[arg-type]
    )
    message_id = await queue_message(session, spec)
    await session.commit()
    assert message_id is not None
    return message_id


async def reload(sessionmaker: SessionMaker, message_id: int) -> Message:
    async with sessionmaker() as session:
        return await session.get_one(Message, message_id)


async def history(sessionmaker: SessionMaker, message_id: int) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(MessageEvent.status)
            .where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.id)
        )
        return list(rows.scalars())


async def test_a_due_message_is_sent_once_and_its_history_kept(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    message_id = await queue(session)
    worker = dispatcher(sessionmaker, scripted_sms)
    done = await worker.run_once(now=OPEN)
    again = await worker.run_once(now=OPEN)
    assert (done.sent, again.sent) == (1, 0)
    assert [c.address for c in scripted_sms.calls] == ["+33612345678"]
    message = await reload(sessionmaker, message_id)
    assert (message.status, message.provider_id, message.attempts) == ("sent", f"P{message_id}", 1)
    assert await history(sessionmaker, message_id) == ["queued", "sending", "sent"]


async def test_a_batch_is_sent_and_recorded_together(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    ids = []
    for n in range(5):
        person = await create_person(session, phone=f"+3361234560{n}")
        ids.append(await queue(session, person=person))
    scripted_sms.script.extend(
        [SendResult(Outcome.SENT, provider_id=f"X{n}") for n in range(4)]
        + [SendResult(Outcome.FAILED, error_code="21614", reason="fixe")]
    )
    done = await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)
    assert done.sent == 5
    stored = [await reload(sessionmaker, m) for m in ids]
    assert [m.status for m in stored] == ["sent"] * 4 + ["failed"]
    assert [m.provider_id for m in stored[:4]] == ["X0", "X1", "X2", "X3"]
    assert all(m.lease_owner is None for m in stored)


async def test_a_delivery_report_that_came_first_is_kept(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    message_id = await queue(session)
    worker = dispatcher(sessionmaker, scripted_sms)
    claimed = (await worker._claim(OPEN)).items
    async with sessionmaker() as s, s.begin():
        from gateway.outcomes import apply_provider_status

        await apply_provider_status(
            s,
            message_id=message_id,
            status="delivered",
            error_code=None,
            provider_id="Z",
            now=OPEN,
        )
    from gateway.outcomes import Recorded, record_outcomes

    async with sessionmaker() as s, s.begin():
        result = SendResult(Outcome.SENT, provider_id="Z")
        await record_outcomes(
            s,
            [Recorded(claimed[0].envelope.message_id, "sms", result)],
            now=OPEN,
            max_attempts=3,
        )
    stored = await reload(sessionmaker, message_id)
    assert (stored.status, stored.provider_id, stored.lease_owner) == ("delivered", "Z", None)


async def test_a_server_error_is_retried_later_then_abandoned(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    message_id = await queue(session)
    scripted_sms.script.extend([SendResult(Outcome.RETRY, reason="503")] * 3)
    worker = dispatcher(sessionmaker, scripted_sms)
    await worker.run_once(now=OPEN)
    message = await reload(sessionmaker, message_id)
    assert message.status == "queued"
    assert message.not_before is not None and message.not_before > OPEN
    assert (await worker.run_once(now=OPEN)).sent == 0  # not due yet
    later = OPEN + timedelta(minutes=10)
    await worker.run_once(now=later)
    await worker.run_once(now=later + timedelta(minutes=10))
    message = await reload(sessionmaker, message_id)
    assert (message.status, message.attempts, len(scripted_sms.calls)) == ("failed", 3, 3)
    assert "abandonné après 3 essais" in (await history_details(sessionmaker, message_id))[-1]


async def history_details(sessionmaker: SessionMaker, message_id: int) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(MessageEvent.detail)
            .where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.id)
        )
        return [d or "" for d in rows.scalars()]


async def test_too_many_requests_pauses_the_channel_for_every_worker(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    first = await queue(session)
    person = await create_person(session, phone="+33698765432")
    second = await queue(session, person=person)
    scripted_sms.script.append(
        SendResult(Outcome.RETRY, retry_after=30, pause_channel=True, reason="429")
    )
    worker = dispatcher(sessionmaker, scripted_sms)
    worker.config = DispatcherConfig(batch_size=1)
    await worker.run_once(now=OPEN)
    async with sessionmaker() as s:
        state = await s.get_one(ChannelState, "sms")
    assert state.paused_until == OPEN + timedelta(seconds=30)
    assert (await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)).sent == 0
    await worker.run_once(now=OPEN + timedelta(seconds=31))
    await worker.run_once(now=OPEN + timedelta(seconds=31))
    assert {(await reload(sessionmaker, m)).status for m in (first, second)} == {"sent"}


async def test_an_unknown_outcome_is_never_retried(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    message_id = await queue(session)
    scripted_sms.script.append(SendResult(Outcome.UNKNOWN, reason="timeout"))
    worker = dispatcher(sessionmaker, scripted_sms)
    await worker.run_once(now=OPEN)
    await worker.run_once(now=OPEN + timedelta(hours=1))
    assert len(scripted_sms.calls) == 1
    assert (await reload(sessionmaker, message_id)).status == "unknown"


async def test_a_crash_after_the_claim_leaves_the_message_unknown_not_resent(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    message_id = await queue(session)
    crashed = dispatcher(sessionmaker, scripted_sms)
    claimed = (await crashed._claim(OPEN)).items  # the process dies before recording
    assert len(claimed) == 1
    assert (await reload(sessionmaker, message_id)).status == "sending"
    survivor = dispatcher(sessionmaker, scripted_sms)
    await survivor.run_once(now=OPEN + timedelta(seconds=30))  # lease still held
    assert (await reload(sessionmaker, message_id)).status == "sending"
    await survivor.run_once(now=OPEN + timedelta(seconds=61))
    message = await reload(sessionmaker, message_id)
    assert message.status == "unknown"
    assert scripted_sms.calls == []


async def test_an_opt_out_after_queueing_suppresses_the_send(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    person = await create_person(session)
    normal = await queue(session, person=person)
    confirmation = await queue(session, person=person, bypass_consent=True)
    await record_consent(session, beneficiary_id=person.id, kind=OPT_OUT, source="keyword")
    await session.commit()
    await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)
    assert (await reload(sessionmaker, normal)).status == "suppressed"
    assert (await reload(sessionmaker, confirmation)).status == "sent"
    assert len(scripted_sms.calls) == 1


async def test_quiet_hours_defer_to_the_next_opening_or_expire(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    person = await create_person(session)
    deferred = await queue(session, person=person, respect_quiet_hours=True)
    too_late = await queue(
        session,
        person=person,
        respect_quiet_hours=True,
        expires_at=SUNDAY + timedelta(hours=5),
    )
    reply = await queue(session, person=person)
    await dispatcher(sessionmaker, scripted_sms).run_once(now=SUNDAY)
    waiting = await reload(sessionmaker, deferred)
    assert waiting.status == "queued"
    assert waiting.not_before == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 Paris
    assert (await reload(sessionmaker, too_late)).status == "expired"
    assert (await reload(sessionmaker, reply)).status == "sent"  # a conversation goes any time


async def test_conversation_replies_overtake_broadcasts(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    person = await create_person(session)
    for _ in range(3):
        await queue(session, person=person, text="alerte", priority=Priority.BROADCAST)
    await queue(session, person=person, text="réponse", priority=Priority.CONVERSATION)
    worker = dispatcher(sessionmaker, scripted_sms)
    worker.config = DispatcherConfig(batch_size=1)
    await worker.run_once(now=OPEN)
    assert [c.text for c in scripted_sms.calls] == ["réponse"]


async def test_the_rate_limit_caps_a_pass(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    person = await create_person(session)
    for _ in range(12):
        await queue(session, person=person)
    done = await dispatcher(sessionmaker, scripted_sms, rates={"sms": 1}).run_once(now=OPEN)
    assert done.sent == 1  # at 1/s a full bucket holds one token
    assert done.waiting_for_rate


async def test_two_workers_keep_one_rate_between_them(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    person = await create_person(session)
    for _ in range(30):
        await queue(session, person=person)
    first = dispatcher(sessionmaker, scripted_sms, rates={"sms": 40})
    second = dispatcher(sessionmaker, scripted_sms, rates={"sms": 40})
    sent = 0
    for tick in range(5):  # half a second, the two workers taking turns every 0.1 s
        at = OPEN + timedelta(seconds=tick / 10)
        sent += (await first.run_once(now=at)).sent + (await second.run_once(now=at)).sent
    assert sent == 10 + 4 * 4  # a full bucket (a quarter second's worth), then 4 every tenth
    waiting = await second.run_once(now=OPEN + timedelta(seconds=0.41))
    assert (waiting.sent, waiting.waiting_for_rate) == (0, True)
    assert waiting.wait == pytest.approx(0.0525)  # until a quarter of a burst (2.5) is there


async def test_a_blocked_telegram_bot_falls_back_to_sms(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    telegram = ScriptedChannel("telegram")
    telegram.script.append(SendResult(Outcome.OPTED_OUT, error_code="403", reason="bloqué"))
    person = await create_person(session, telegram="555")
    message_id = await queue(session, person=person, fallback_channel="sms", text="Alerte")
    worker = dispatcher(sessionmaker, scripted_sms, telegram)
    await worker.run_once(now=OPEN)
    await worker.run_once(now=OPEN)
    assert (await reload(sessionmaker, message_id)).status == "failed"
    assert [c.text for c in scripted_sms.calls] == ["Alerte"]
    async with sessionmaker() as s:
        states = dict((await s.execute(select(ContactPoint.channel, ContactPoint.opted_out))).all())
    assert states == {"sms": False, "telegram": True}


async def test_provider_stop_error_opts_the_person_out_everywhere(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    scripted_sms.script.append(SendResult(Outcome.OPTED_OUT, error_code="21610", reason="STOP"))
    person = await create_person(session, telegram="556")
    await queue(session, person=person, channel="sms")
    await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)
    async with sessionmaker() as s:
        flags = (await s.execute(select(ContactPoint.opted_out))).scalars().all()
    assert flags == [True, True]


class SlowFirstChannel(ScriptedChannel):
    """A provider that takes longer over its first request; `arrived` is what it got, in order."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.arrived: list[OutboundEnvelope] = []
        self.started = 0

    async def send(self, envelope: OutboundEnvelope) -> SendResult:
        self.started += 1
        if self.started == 1:
            await asyncio.sleep(0.05)
        result = await super().send(envelope)
        self.arrived.append(envelope)
        return result


async def test_one_persons_messages_leave_in_queue_order(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    channel = SlowFirstChannel("sms")
    person = await create_person(session)
    other = await create_person(session, phone="+33698765432")
    first = await queue(session, person=person, text="Appelez le 115")
    await queue(session, person=other, text="Bonjour")
    second = await queue(session, person=person, text="Avez-vous moins de 18 ans ?")

    await dispatcher(sessionmaker, channel).run_once(now=OPEN)

    to_person = [e.message_id for e in channel.arrived if e.address == "+33612345678"]
    assert to_person == [first, second]
    assert len(channel.arrived) == 3
