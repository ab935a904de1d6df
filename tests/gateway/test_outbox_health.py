from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Message
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from gateway.outbox_health import (
    LEASE_EXPIRED,
    QUEUED_LATE,
    UNKNOWN_UNRESOLVED,
    StuckRules,
    outbox_health,
)
from gateway.outcomes import pause_channel
from tests.factories import create_person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


_people = itertools.count(10)


async def outgoing(session: AsyncSession, *, channel: str = "telegram", **row: Any) -> int:
    n = next(_people)
    person = await create_person(
        session, phone=f"+336123456{n:02d}", telegram=str(n), simulator=f"+336000000{n:02d}"
    )
    spec = OutgoingMessage(
        beneficiary_id=person.id, text="Bonjour", origin=Origin("t"), channel=channel
    )
    message_id = await queue_message(session, spec)
    assert message_id is not None
    if row:
        await session.execute(update(Message).where(Message.id == message_id).values(**row))
    return message_id


async def test_each_kind_of_stuck_message_is_found_and_the_fresh_ones_are_not(
    session: AsyncSession,
) -> None:
    hour = timedelta(hours=1)
    late = await outgoing(session, channel="telegram", created_at=NOW - hour)
    await outgoing(session, channel="telegram", created_at=NOW - 2 * hour, not_before=NOW)
    leased = await outgoing(
        session, channel="telegram", status="sending", lease_until=NOW - 2 * timedelta(minutes=1)
    )
    await outgoing(session, channel="telegram", status="sending", lease_until=NOW)
    unknown = await outgoing(session, channel="sms", status="unknown", updated_at=NOW - 2 * hour)
    await outgoing(session, channel="simulator", status="unknown", updated_at=NOW)
    await outgoing(session, status="sent", updated_at=NOW - 100 * hour)

    health = await outbox_health(session, now=NOW, rules=StuckRules())

    assert health.stuck_counts == {
        QUEUED_LATE: {"telegram": 1},
        LEASE_EXPIRED: {"telegram": 1},
        UNKNOWN_UNRESOLVED: {"sms": 1},
    }
    assert [(s.id, s.kind) for s in health.stuck] == [
        (late, QUEUED_LATE),
        (leased, LEASE_EXPIRED),
        (unknown, UNKNOWN_UNRESOLVED),
    ]
    assert health.stuck[0].since == NOW - hour
    assert health.stuck_total == 3
    assert health.counts == {
        "simulator": {"unknown": 1},
        "sms": {"unknown": 1},
        "telegram": {"queued": 2, "sending": 2, "sent": 1},
    }


async def test_thresholds_are_the_callers_and_paused_channels_are_shown(
    session: AsyncSession,
) -> None:
    await outgoing(session, status="unknown", updated_at=NOW - timedelta(hours=2))
    await pause_channel(session, "telegram", until=NOW + timedelta(seconds=30), reason="429")
    patient = StuckRules(unknown_after=timedelta(hours=3))
    health = await outbox_health(session, now=NOW, rules=patient)
    assert health.stuck_total == 0 and health.stuck == []
    assert [(p.channel, p.until, p.reason) for p in health.paused] == [
        ("telegram", NOW + timedelta(seconds=30), "429")
    ]
