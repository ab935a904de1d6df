from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import AudienceFilter
from broadcast.followup import broadcast_progress
from broadcast.service import cancel_broadcast
from broadcast.tasks import run_due_broadcasts
from db.models import Broadcast, BroadcastRecipient, Message
from db.session import SessionMaker
from gateway.channels.base import Outcome, SendResult
from gateway.consent import OPT_OUT, record_consent
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.outbox import queue_messages
from gateway.ratelimit import RateLimits
from tests.broadcast.conftest import MONDAY_OPENING, OPEN, SUNDAY, sent_broadcast
from tests.factories import create_person, create_site
from tests.providers import ScriptedChannel


def dispatcher(sessionmaker: SessionMaker, *channels: ScriptedChannel) -> Dispatcher:
    return Dispatcher(
        sessionmaker=sessionmaker,
        channels={c.name: c for c in channels},
        limits=RateLimits({}),
        config=DispatcherConfig(lease_seconds=60, batch_size=50),
    )


async def tick(sessionmaker: SessionMaker, now: Any = OPEN, **kwargs: Any) -> Any:
    async with sessionmaker() as session, session.begin():
        return await run_due_broadcasts(session, now, **kwargs)


async def five_people(session: AsyncSession) -> Any:
    site = await create_site(session)
    for i in range(5):
        await create_person(session, site=site, first_name=f"P{i}", phone=f"+3361234560{i}")
    return site


async def test_recipients_are_materialised_once_and_queued_chunk_by_chunk(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    site = await five_people(session)
    sent = await sent_broadcast(session, site)
    first = await tick(sessionmaker, chunk_size=2, max_chunks=1)
    second = await tick(sessionmaker, chunk_size=2, max_chunks=5)
    assert (first.materialised, first.queued) == (5, 2)
    assert (second.materialised, second.queued) == (0, 3)
    async with sessionmaker() as s:
        keys = (await s.scalars(select(Message.dedup_key).order_by(Message.id))).all()
        bodies = (await s.scalars(select(Message.body).order_by(Message.id))).all()
        assert await s.scalar(select(func.count()).select_from(BroadcastRecipient)) == 5
    assert len(set(keys)) == 5 and all(k and k.startswith(f"broadcast:{sent.id}:") for k in keys)
    assert bodies[0] == "Bonjour P0, le centre est fermé demain."


async def test_a_crash_between_chunks_resumes_without_a_second_provider_call(
    session: AsyncSession,
    sessionmaker: SessionMaker,
    scripted_sms: ScriptedChannel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = await five_people(session)
    await sent_broadcast(session, site)
    await tick(sessionmaker, chunk_size=2, max_chunks=1)
    await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)  # two are sent
    real = queue_messages
    calls = 0

    async def dies_on_second_chunk(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("worker killed")
        return await real(*args, **kwargs)

    monkeypatch.setattr("broadcast.tasks.queue_messages", dies_on_second_chunk)
    with pytest.raises(RuntimeError):
        await tick(sessionmaker, chunk_size=2, max_chunks=5)
    monkeypatch.undo()
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 2  # rolled back
    await tick(sessionmaker, chunk_size=2, max_chunks=5)
    await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)
    await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)
    per_address = Counter(call.address for call in scripted_sms.calls)
    assert sorted(per_address.values()) == [1] * 5


async def test_a_broadcast_is_done_once_every_message_has_left(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    site = await five_people(session)
    sent = await sent_broadcast(session, site)
    assert (await tick(sessionmaker)).finished == []
    await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)
    assert (await tick(sessionmaker)).finished == [sent.id]
    async with sessionmaker() as s:
        progress = await broadcast_progress(s, broadcast_id=sent.id)
    assert progress.status == "done"
    assert progress.counts["sent"] == 5 and progress.recipients == 5


async def test_quiet_hours_hold_a_normal_broadcast_but_not_an_urgent_one(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    site = await create_site(session)
    normal_person = await create_person(session, site=site, phone="+33612345601", tags=["a"])
    urgent_person = await create_person(session, site=site, phone="+33612345602", tags=["b"])
    await sent_broadcast(session, site, audience=AudienceFilter(tags=("a",)), now=SUNDAY)
    await sent_broadcast(
        session, site, audience=AudienceFilter(tags=("b",)), urgent=True, now=SUNDAY
    )
    await tick(sessionmaker, SUNDAY)
    await dispatcher(sessionmaker, scripted_sms).run_once(now=SUNDAY)
    assert [c.address for c in scripted_sms.calls] == ["+33612345602"]
    async with sessionmaker() as s:
        rushed = await s.scalar(select(Message).where(Message.beneficiary_id == urgent_person.id))
        held = await s.scalar(select(Message).where(Message.beneficiary_id == normal_person.id))
        waiting = await s.scalar(
            select(BroadcastRecipient.state).where(
                BroadcastRecipient.beneficiary_id == normal_person.id
            )
        )
    assert rushed is not None and (rushed.priority, rushed.respect_quiet_hours) == (20, False)
    assert held is None and waiting == "pending"  # queued when the window opens
    await tick(sessionmaker, MONDAY_OPENING)
    await dispatcher(sessionmaker, scripted_sms).run_once(now=MONDAY_OPENING)
    assert [c.address for c in scripted_sms.calls] == ["+33612345602", "+33612345601"]
    async with sessionmaker() as s:
        sent = await s.scalar(select(Message).where(Message.beneficiary_id == normal_person.id))
    assert sent is not None and (sent.priority, sent.respect_quiet_hours) == (0, True)


async def test_no_more_is_queued_than_the_dispatcher_can_take_soon(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    site = await five_people(session)
    await sent_broadcast(session, site)
    assert (await tick(sessionmaker, max_backlog=2)).queued == 2
    assert (await tick(sessionmaker, max_backlog=2)).queued == 0
    worker = dispatcher(sessionmaker, scripted_sms)
    worker.config = DispatcherConfig(batch_size=1)
    await worker.run_once(now=OPEN)
    assert (await tick(sessionmaker, max_backlog=2)).queued == 1


async def test_an_expired_broadcast_stops_queueing(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    site = await five_people(session)
    sent = await sent_broadcast(session, site)
    async with sessionmaker() as s, s.begin():
        row = await s.get_one(Broadcast, sent.id)
        row.expires_at = OPEN + timedelta(minutes=5)
    await tick(sessionmaker, OPEN, chunk_size=2, max_chunks=1)
    later = await tick(sessionmaker, OPEN + timedelta(minutes=10))
    assert later.queued == 0
    async with sessionmaker() as s:
        progress = await broadcast_progress(s, broadcast_id=sent.id)
    assert (progress.counts["queued"], progress.counts["cancelled"]) == (2, 3)


async def test_cancel_stops_what_has_not_left(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    site = await five_people(session)
    sent = await sent_broadcast(session, site)
    await tick(sessionmaker, chunk_size=2, max_chunks=1)
    worker = dispatcher(sessionmaker, scripted_sms)
    worker.config = DispatcherConfig(batch_size=1)
    await worker.run_once(now=OPEN)  # one message has left
    async with sessionmaker() as s, s.begin():
        await cancel_broadcast(s, broadcast_id=sent.id, by=None, now=OPEN)
    await tick(sessionmaker)
    await dispatcher(sessionmaker, scripted_sms).run_once(now=OPEN)
    assert len(scripted_sms.calls) == 1
    async with sessionmaker() as s:
        progress = await broadcast_progress(s, broadcast_id=sent.id)
        statuses = (await s.scalars(select(Message.status).order_by(Message.id))).all()
    assert progress.status == "cancelled"
    assert progress.counts["sent"] == 1 and progress.counts["cancelled"] == 4
    assert statuses == ["sent", "cancelled"]


async def test_telegram_first_then_sms_when_the_bot_is_blocked(
    session: AsyncSession, sessionmaker: SessionMaker, scripted_sms: ScriptedChannel
) -> None:
    site = await create_site(session)
    await create_person(session, site=site, phone="+33612345601", telegram="1001")
    await create_person(session, site=site, phone="+33612345602")
    sent = await sent_broadcast(session, site)
    telegram = ScriptedChannel("telegram")
    telegram.script.append(SendResult(Outcome.OPTED_OUT, error_code="403", reason="bot bloqué"))
    await tick(sessionmaker)
    worker = dispatcher(sessionmaker, scripted_sms, telegram)
    await worker.run_once(now=OPEN)
    await worker.run_once(now=OPEN)
    assert [c.address for c in telegram.calls] == ["1001"]
    assert sorted(c.address for c in scripted_sms.calls) == ["+33612345601", "+33612345602"]
    async with sessionmaker() as s:
        progress = await broadcast_progress(s, broadcast_id=sent.id)
    assert progress.counts["sent"] == 2 and progress.counts["opted_out"] == 0


async def test_a_person_who_said_stop_since_the_list_was_drawn_is_not_written_to(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    site = await create_site(session)
    stopping = await create_person(session, site=site, phone="+33612345601")
    await create_person(session, site=site, phone="+33612345602")
    sent = await sent_broadcast(session, site)
    await tick(sessionmaker, chunk_size=1, max_chunks=0)  # materialised only
    async with sessionmaker() as s, s.begin():
        await record_consent(s, beneficiary_id=stopping.id, kind=OPT_OUT, source="keyword")
    await tick(sessionmaker)
    async with sessionmaker() as s:
        progress = await broadcast_progress(s, broadcast_id=sent.id)
        status = await s.scalar(select(Broadcast.status).where(Broadcast.id == sent.id))
    assert progress.counts["opted_out"] == 1 and progress.counts["queued"] == 1
    assert status == "sending"


async def test_a_broadcast_for_later_waits_for_its_time(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    site = await five_people(session)
    sent = await sent_broadcast(session, site)
    async with sessionmaker() as s, s.begin():
        row = await s.get_one(Broadcast, sent.id)
        row.send_at = OPEN + timedelta(hours=2)
    assert (await tick(sessionmaker, OPEN)).materialised == 0
    assert (await tick(sessionmaker, OPEN + timedelta(hours=2))).materialised == 5
