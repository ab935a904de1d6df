"""Which outgoing messages are stuck, and why: the figures behind `lien outbox check`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import UTCDateTime
from db.models import ChannelState, Message
from gateway import statuses

# Why a message counts as stuck, in the order a reader should look at them.
QUEUED_LATE = "queued_late"
LEASE_EXPIRED = "lease_expired"
UNKNOWN_UNRESOLVED = "unknown_unresolved"
KINDS = (QUEUED_LATE, LEASE_EXPIRED, UNKNOWN_UNRESOLVED)


@dataclass(frozen=True)
class StuckRules:
    """How long each pending state may last before it is a problem."""

    # Due for half an hour and still queued: no worker runs, the channel is off, or the
    # backlog is more than the rate limit drains in that time.
    queued_late: timedelta = timedelta(minutes=30)
    # A lease ended a minute ago and no worker took the message back: no worker runs.
    lease_grace: timedelta = timedelta(minutes=1)
    # Twilio reports within minutes; an hour without a report deserves a look.
    unknown_after: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class StuckMessage:
    id: int
    channel: str
    status: str
    kind: str
    since: datetime
    provider_id: str | None
    reason: str | None


@dataclass(frozen=True)
class PausedChannel:
    channel: str
    until: datetime
    reason: str | None


@dataclass(frozen=True)
class OutboxHealth:
    """Outgoing messages by channel and status, the stuck ones, and the paused channels."""

    at: datetime
    counts: dict[str, dict[str, int]]
    stuck_counts: dict[str, dict[str, int]]
    stuck: list[StuckMessage]
    paused: list[PausedChannel]

    @property
    def stuck_total(self) -> int:
        return sum(sum(by_channel.values()) for by_channel in self.stuck_counts.values())


def _due_since() -> ColumnElement[datetime]:
    # Typed, so that SQLite's text comes back as an aware datetime like the bare columns.
    return func.coalesce(Message.not_before, Message.created_at, type_=UTCDateTime())


def stuck_conditions(rules: StuckRules, now: datetime) -> dict[str, ColumnElement[bool]]:
    """Return, for each kind of stuck message, the condition that finds it."""
    return {
        QUEUED_LATE: (Message.status == statuses.QUEUED) & (_due_since() < now - rules.queued_late),
        LEASE_EXPIRED: (Message.status == statuses.SENDING)
        & (Message.lease_until < now - rules.lease_grace),
        UNKNOWN_UNRESOLVED: (Message.status == statuses.UNKNOWN)
        & (Message.updated_at < now - rules.unknown_after),
    }


def _since(kind: str) -> ColumnElement[Any]:
    if kind == QUEUED_LATE:
        return _due_since()
    column = Message.lease_until if kind == LEASE_EXPIRED else Message.updated_at
    return column.expression


async def outbox_health(
    session: AsyncSession, *, now: datetime, rules: StuckRules | None = None, limit: int = 50
) -> OutboxHealth:
    """Count outgoing messages and list up to `limit` stuck ones of each kind, oldest first."""
    rules = rules or StuckRules()
    counts: dict[str, dict[str, int]] = {}
    rows = await session.execute(
        select(Message.channel, Message.status, func.count())
        .where(Message.direction == "out")
        .group_by(Message.channel, Message.status)
        .order_by(Message.channel, Message.status)
    )
    for channel, status, count in rows.all():
        counts.setdefault(channel, {})[status] = count
    stuck_counts: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
    stuck: list[StuckMessage] = []
    for kind, condition in stuck_conditions(rules, now).items():
        found = await session.execute(
            select(Message.channel, func.count())
            .where(Message.direction == "out", condition)
            .group_by(Message.channel)
        )
        stuck_counts[kind] = {channel: count for channel, count in found.all()}
        if stuck_counts[kind]:
            stuck += await _listed(session, kind, condition, limit)
    return OutboxHealth(now, counts, stuck_counts, stuck, await paused_channels(session, now=now))


async def _listed(
    session: AsyncSession, kind: str, condition: ColumnElement[bool], limit: int
) -> list[StuckMessage]:
    since = _since(kind)
    rows = await session.execute(
        select(
            Message.id,
            Message.channel,
            Message.status,
            since,
            Message.provider_id,
            Message.error_reason,
        )
        .where(Message.direction == "out", condition)
        .order_by(since, Message.id)
        .limit(limit)
    )
    return [
        StuckMessage(mid, channel, status, kind, at, provider_id, reason)
        for mid, channel, status, at, provider_id, reason in rows.all()
    ]


async def paused_channels(session: AsyncSession, *, now: datetime) -> list[PausedChannel]:
    rows = await session.execute(
        select(ChannelState).where(ChannelState.paused_until > now).order_by(ChannelState.channel)
    )
    return [
        PausedChannel(state.channel, state.paused_until, state.reason)
        for state in rows.scalars()
        if state.paused_until is not None
    ]
