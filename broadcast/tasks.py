"""The fan-out: due broadcasts become recipients once, then outbox messages chunk by chunk.

Each tick runs in one transaction. Recipients are materialised by one INSERT … SELECT; a chunk
turns recipients still `pending` into messages keyed `broadcast:{id}:{person}`, and records the
message on the recipient in the same transaction. A crash loses at most the tick in progress,
which the next tick redoes: nobody is queued twice, nobody is forgotten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from broadcast import repository
from broadcast.audience import AudienceSources
from broadcast.composition import Personal, compose
from broadcast.service import (
    DONE,
    SCHEDULED,
    SENDING,
    audience_filter_of,
    audience_of,
    cancel_broadcast,
    texts_of,
)
from broadcast.texts import BroadcastError, broadcast_text
from db.models import Broadcast, Organisation
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, Priority, queue_messages
from gateway.policy import window_from_settings
from gateway.quiet_hours import SendingWindow, is_open

log = logging.getLogger(__name__)
CHUNK_SIZE = 1000
# Chunks per tick: on SQLite a tick holds the only write lock, so it stays short.
MAX_CHUNKS = 2
# Broadcast messages due in the outbox, all broadcasts together, beyond which nothing more is
# queued: the dispatcher's claim stays cheap and a cancel has little to undo.
MAX_BACKLOG = 2000


@dataclass
class FanOut:
    """What one tick did."""

    materialised: int = 0
    queued: int = 0
    not_reachable: int = 0
    finished: list[int] = field(default_factory=list)


async def run_due_broadcasts(
    session: AsyncSession,
    now: datetime,
    *,
    sources: AudienceSources | None = None,
    chunk_size: int = CHUNK_SIZE,
    max_chunks: int = MAX_CHUNKS,
    max_backlog: int = MAX_BACKLOG,
) -> FanOut:
    """Materialise due broadcasts, queue what the dispatcher can take soon, close finished ones."""
    done = FanOut()
    budget = max_chunks
    room = max_backlog - await repository.due_messages(session, now=now)
    due = await session.scalars(
        select(Broadcast)
        .where(
            Broadcast.status.in_((SCHEDULED, SENDING)),
            or_(Broadcast.send_at.is_(None), Broadcast.send_at <= now),
        )
        .order_by(Broadcast.urgent.desc(), Broadcast.id)
        .options(selectinload(Broadcast.texts))
        # Another worker busy with a broadcast keeps it; this one takes the next.
        .with_for_update(of=Broadcast, skip_locked=True)
    )
    windows = _Windows(session)
    for broadcast in list(due):
        if broadcast.status == SCHEDULED and not await _materialise(
            session, broadcast, now=now, sources=sources or AudienceSources(), done=done
        ):
            continue
        if broadcast.fanned_out_at is None and _expired(broadcast, now):
            await repository.cancel_pending(
                session, broadcast_id=broadcast.id, detail=broadcast_text("expired")
            )
            broadcast.fanned_out_at = now
        # Outside the sending window the messages would only wait in the outbox: they are
        # queued when it opens, as the dispatcher can take them.
        if broadcast.urgent or await windows.open(broadcast.organisation_id, now):
            while broadcast.fanned_out_at is None and budget > 0 and room > 0:
                before = done.queued
                if not await _queue_chunk(
                    session, broadcast, chunk_size=min(chunk_size, room), done=done
                ):
                    broadcast.fanned_out_at = now
                    break
                room -= done.queued - before
                budget -= 1
        if broadcast.fanned_out_at is not None and not await repository.messages_in_flight(
            session, broadcast_id=broadcast.id
        ):
            broadcast.status = DONE
            broadcast.finished_at = now
            done.finished.append(broadcast.id)
    await session.flush()
    return done


def _expired(broadcast: Broadcast, now: datetime) -> bool:
    return broadcast.expires_at is not None and broadcast.expires_at <= now


class _Windows:
    """The organisations' sending windows, read once per tick."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.known: dict[int, SendingWindow] = {}

    async def open(self, organisation_id: int, now: datetime) -> bool:
        if organisation_id not in self.known:
            settings = await self.session.scalar(
                select(Organisation.settings).where(Organisation.id == organisation_id)
            )
            self.known[organisation_id] = window_from_settings(settings or {})
        return is_open(self.known[organisation_id], now)


async def _materialise(
    session: AsyncSession,
    broadcast: Broadcast,
    *,
    now: datetime,
    sources: AudienceSources,
    done: FanOut,
) -> bool:
    try:
        audience = await audience_of(session, broadcast, now=now, sources=sources)
    except BroadcastError as exc:
        # A site deleted since the broadcast was written: stop it rather than guess.
        log.warning("broadcast cannot start", extra={"broadcast": broadcast.id, "reason": str(exc)})
        await cancel_broadcast(session, broadcast_id=broadcast.id, by=None, now=now)
        return False
    count = await repository.materialise(session, broadcast_id=broadcast.id, audience=audience)
    broadcast.status = SENDING
    broadcast.materialised_at = now
    broadcast.recipient_count = count
    done.materialised += count
    return True


async def _queue_chunk(
    session: AsyncSession, broadcast: Broadcast, *, chunk_size: int, done: FanOut
) -> bool:
    """Queue the next recipients; False once there is nobody left."""
    channels = audience_filter_of(broadcast).allowed_channels
    pending = await repository.pending_recipients(
        session, broadcast_id=broadcast.id, channels=channels, limit=chunk_size
    )
    if not pending:
        return False
    reachable = [p for p in pending if p.channel is not None]
    changes = await _unreachable(session, broadcast, pending, channels=channels)
    texts = texts_of(broadcast)
    specs = [_message(broadcast, texts, person, channels=channels) for person in reachable]
    results = await queue_messages(session, specs)
    duplicates = await repository.message_ids_by_key(
        session,
        [s.dedup_key for s, r in zip(specs, results, strict=True) if r.duplicate and s.dedup_key],
    )
    for person, spec, result in zip(reachable, specs, results, strict=True):
        message_id = result.message_id or duplicates.get(spec.dedup_key or "")
        change: dict[str, Any] = {
            "broadcast_id": broadcast.id,
            "beneficiary_id": person.beneficiary_id,
        }
        if message_id is not None:
            change |= {"state": repository.QUEUED, "message_id": message_id}
            done.queued += 1
        else:
            state = repository.OPTED_OUT if result.opted_out else repository.UNREACHABLE
            change |= {"state": state, "detail": (result.skipped or "")[:200]}
            done.not_reachable += 1
        changes.append(change)
    await repository.update_recipients(session, changes)
    return True


async def _unreachable(
    session: AsyncSession,
    broadcast: Broadcast,
    pending: list[repository.Pending],
    *,
    channels: tuple[str, ...],
) -> list[dict[str, Any]]:
    # They could be reached when the list was drawn up, and have said STOP or lost
    # their contact since.
    lost = [p.beneficiary_id for p in pending if p.channel is None]
    stopped = await repository.opted_out_among(session, beneficiary_ids=lost, channels=channels)
    return [
        {
            "broadcast_id": broadcast.id,
            "beneficiary_id": person_id,
            "state": repository.OPTED_OUT if person_id in stopped else repository.UNREACHABLE,
            "detail": None if person_id in stopped else broadcast_text("unreachable"),
        }
        for person_id in lost
    ]


def _message(
    broadcast: Broadcast,
    texts: dict[str, str],
    person: repository.Pending,
    *,
    channels: tuple[str, ...],
) -> OutgoingMessage:
    text = compose(
        texts,
        language=person.language,
        personal=Personal(first_name=person.first_name, site=person.site),
        stop_notice=broadcast.stop_notice,
    )
    # Telegram costs nothing but a person may have blocked the bot: then SMS takes over.
    fallback = "sms" if person.channel == "telegram" and "sms" in channels else None
    return OutgoingMessage(
        beneficiary_id=person.beneficiary_id,
        text=text,
        origin=Origin(repository.ORIGIN_KIND, str(broadcast.id)),
        channel=person.channel,
        priority=Priority.URGENT_ALERT if broadcast.urgent else Priority.BROADCAST,
        respect_quiet_hours=not broadcast.urgent,
        expires_at=broadcast.expires_at,
        dedup_key=repository.dedup_key(broadcast.id, person.beneficiary_id),
        fallback_channel=fallback,
    )
