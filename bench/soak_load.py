"""The soak's workload: people on SMS and Telegram, one broadcast to all, reminders to some.

`queue_load` is the one place that creates the work. It queues outbox messages directly, as the
broadcast and reminder domains will: switching to real runs means creating a broadcast (and an
event with enrolments) here instead, and letting `lien serve`'s periodic jobs fan them out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.models import Beneficiary, ContactPoint, Message, Organisation
from db.session import create_sessionmaker, transaction
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, Priority, queue_messages
from gateway.policy import WINDOW_SETTING
from gateway.records import ensure_organisation

BROADCAST_TEXT = "Alerte : distribution alimentaire demain à 10 h, salle Jean Jaurès."
REMINDER_TEXT = "Rappel : atelier français demain de 14 h 30 à 16 h 30. Répondez STOP pour arrêter."
# Open every day and hour, so that the soak's reminders go out whenever it runs.
ALWAYS_OPEN = {
    "weekdays": list(range(7)),
    "start": "00:00",
    "end": "23:59",
    "closed_on_public_holidays": False,
}


@dataclass(frozen=True)
class Load:
    """What was queued: message counts by channel, and the people's ids."""

    people: list[int]
    queued: int
    by_channel: dict[str, int]


async def _seed(engine: AsyncEngine, count: int, telegram_share: float, seed: int) -> list[int]:
    """People with an SMS number each; a share also on Telegram, which they then prefer."""
    rng = random.Random(seed)
    async with transaction(create_sessionmaker(engine)) as session:
        site = await ensure_organisation(
            session, slug="soak", name="Soak", site_slug="soak", site_name="Soak"
        )
        await session.execute(
            update(Organisation)
            .where(Organisation.id == site.organisation_id)
            .values(settings={WINDOW_SETTING: ALWAYS_OPEN})
        )
        now = utcnow()
        people = await session.execute(
            insert(Beneficiary).returning(Beneficiary.id, sort_by_parameter_order=True),
            [
                {"organisation_id": site.organisation_id, "site_id": site.id, "language": "fr"}
                | {"fields": {}, "created_at": now, "updated_at": now}
                for _ in range(count)
            ],
        )
        ids = list(people.scalars())
        contacts = [
            {"beneficiary_id": pid, "channel": "sms", "address": f"+336{20000000 + i:08d}"}
            for i, pid in enumerate(ids)
        ]
        contacts += [
            {"beneficiary_id": pid, "channel": "telegram", "address": str(500_000 + i)}
            for i, pid in enumerate(ids)
            if rng.random() < telegram_share
        ]
        await session.execute(
            insert(ContactPoint),
            [c | {"opted_out": False, "created_at": now} for c in contacts],
        )
    return ids


def _broadcast(person: int) -> OutgoingMessage:
    return OutgoingMessage(
        beneficiary_id=person,
        text=BROADCAST_TEXT,
        origin=Origin("broadcast", "soak"),
        priority=Priority.BROADCAST,
        dedup_key=f"soak:broadcast:{person}",
        fallback_channel="sms",
    )


def _reminder(person: int, *, expires_at: datetime) -> OutgoingMessage:
    return OutgoingMessage(
        beneficiary_id=person,
        text=REMINDER_TEXT,
        origin=Origin("reminder", "soak"),
        priority=Priority.REMINDER,
        respect_quiet_hours=True,
        expires_at=expires_at,
        dedup_key=f"soak:reminder:{person}",
        fallback_channel="sms",
    )


async def queue_load(
    engine: AsyncEngine,
    *,
    recipients: int,
    reminders: int,
    telegram_share: float,
    seed: int,
    chunk: int = 1000,
) -> Load:
    """Seed the people, then queue the broadcast and the reminders in chunks."""
    people = await _seed(engine, recipients, telegram_share, seed)
    now = utcnow()
    rng = random.Random(seed)
    specs = [_broadcast(p) for p in people]
    for person in people[:reminders]:
        # One reminder in twenty is about a session starting in seconds: too late to send
        # once the reminders ahead of it have gone, so it must end `expired`.
        soon = rng.random() < 0.05
        expires_at = now + (timedelta(seconds=2) if soon else timedelta(hours=2))
        specs.append(_reminder(person, expires_at=expires_at))
    sessionmaker = create_sessionmaker(engine)
    queued = 0
    for start in range(0, len(specs), chunk):
        async with transaction(sessionmaker) as session:
            results = await queue_messages(session, specs[start : start + chunk])
        queued += sum(1 for r in results if r.message_id is not None)
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Message.channel, func.count()).group_by(Message.channel)
        )
        by_channel = {channel: count for channel, count in rows.all()}
    return Load(people, queued, by_channel)
