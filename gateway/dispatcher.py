"""The dispatcher: claims due messages, applies the policy, sends, and records what happened.

A message is marked `sending` (the attempt recorded and committed) before its provider is
called. A crash after that leaves it `sending` with a lease; whoever finds the lease expired
marks it `unknown`, to be reconciled by a provider report, never sent a second time.

A running dispatcher does not wait for a whole batch to be answered before claiming more: each
send holds only its own slot (see `gateway.inflight`), so one slow answer holds back nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Beneficiary, ChannelState, ContactPoint, Message, MessageEvent, Organisation
from db.session import SessionMaker, transaction
from gateway import statuses
from gateway.channels.base import Channel, Choice, OutboundEnvelope, SendResult
from gateway.inflight import Flight
from gateway.outcomes import Recorded, record_outcomes
from gateway.policy import Decision, Verdict, decide, window_from_settings
from gateway.quiet_hours import SendingWindow
from gateway.ratelimit import RateLimits

log = logging.getLogger(__name__)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class DispatcherConfig:
    batch_size: int = 200
    lease_seconds: float = 120.0
    max_attempts: int = 8
    poll_interval: float = 0.5
    concurrency: int = 100
    owner: str = field(default_factory=default_owner)


@dataclass(frozen=True)
class Pass:
    """What one dispatcher pass did; `wait` is how long a channel out of tokens should rest."""

    sent: int
    decided: int
    waiting_for_rate: bool
    wait: float = 0.0


@dataclass(frozen=True)
class _Claimed:
    envelope: OutboundEnvelope
    channel: str


@dataclass(frozen=True)
class _Claim:
    items: list[_Claimed]
    decided: int
    wait: float | None


async def recover_expired_leases(session: AsyncSession, *, now: datetime) -> int:
    """Mark `unknown` the messages whose sender died mid-call: never resend them blindly."""
    stuck = (
        (
            await session.execute(
                select(Message.id).where(
                    Message.status == statuses.SENDING, Message.lease_until < now
                )
            )
        )
        .scalars()
        .all()
    )
    if not stuck:
        return 0
    await session.execute(
        update(Message),
        [
            {"id": mid, "status": statuses.UNKNOWN, "lease_owner": None, "updated_at": now}
            for mid in stuck
        ],
    )
    await _events(session, stuck, statuses.UNKNOWN, "envoi interrompu : issue inconnue", now)
    log.warning("recovered interrupted sends", extra={"count": len(stuck)})
    return len(stuck)


async def _events(
    session: AsyncSession, ids: Sequence[int], status: str, detail: str | None, now: datetime
) -> None:
    if ids:
        await session.execute(
            insert(MessageEvent),
            [{"message_id": i, "status": status, "detail": detail, "created_at": now} for i in ids],
        )


class Dispatcher:
    def __init__(
        self,
        *,
        sessionmaker: SessionMaker,
        channels: Mapping[str, Channel],
        limits: RateLimits,
        config: DispatcherConfig | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.channels = dict(channels)
        self.limits = limits
        self.config = config or DispatcherConfig()
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run_forever(self) -> None:
        """Claim, send and record until stopped; a clean stop lets the sends under way end."""
        flight: Flight[_Claimed] = Flight(
            # Twice a batch claimed at once: the next batch is claimed while one is out.
            window=2 * self.config.batch_size,
            concurrency=self.config.concurrency,
            batch=self.config.batch_size,
        )
        loop = asyncio.get_running_loop()
        while not self._stopping:
            began = loop.time()
            self._wake.clear()
            try:
                delay = await self._step(flight)
            except Exception:
                log.exception("dispatcher pass failed")
                delay = 1.0
            # A wait for tokens counts from the claim, not from the end of the step.
            rest = delay - (loop.time() - began)
            if rest > 0:
                await self._rest(rest, flight)
        await flight.drain()
        await self._record(flight.take_finished())

    async def _step(self, flight: Flight[_Claimed]) -> float:
        """Record what finished, claim what fits; return how long to rest."""
        finished = flight.take_finished()
        try:
            await self._record(finished)
        except Exception:
            flight.restore(finished)
            raise
        if not flight.worth_claiming():
            return self.config.poll_interval  # a finished half batch wakes the loop first
        claim = await self._claim(utcnow(), limit=min(self.config.batch_size, flight.free))
        flight.launch(claim.items, self._send_one)
        if claim.wait is not None:
            return claim.wait
        return 0.0 if claim.decided or claim.items else self.config.poll_interval

    async def _rest(self, seconds: float, flight: Flight[_Claimed]) -> None:
        """Wait for the time given, a wake-up, or sends that finished."""
        waits = [
            asyncio.create_task(self._wake.wait()),
            asyncio.create_task(flight.changed.wait()),
        ]
        _, pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    async def _send_one(self, item: _Claimed) -> SendResult:
        return await self.channels[item.channel].send(item.envelope)

    async def _record(
        self, finished: list[tuple[_Claimed, SendResult]], *, now: datetime | None = None
    ) -> None:
        if not finished:
            return
        async with transaction(self.sessionmaker) as session:
            recorded = [Recorded(c.envelope.message_id, c.channel, r) for c, r in finished]
            await record_outcomes(
                session, recorded, now=now or utcnow(), max_attempts=self.config.max_attempts
            )

    async def run_once(self, *, now: datetime | None = None) -> Pass:
        """Claim a batch, send it, record the outcomes."""
        claim = await self._claim(now or utcnow())
        if claim.items:
            await self._record(await self._send_all(claim.items), now=now)
        sent = len(claim.items)
        waiting = claim.wait is not None
        return Pass(sent, claim.decided + sent, waiting, claim.wait or 0.0)

    async def _send_all(self, claimed: list[_Claimed]) -> list[tuple[_Claimed, SendResult]]:
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(item: _Claimed) -> tuple[_Claimed, SendResult]:
            async with gate:
                return item, await self.channels[item.channel].send(item.envelope)

        return list(await asyncio.gather(*(one(item) for item in claimed)))

    async def _claim(self, now: datetime, *, limit: int | None = None) -> _Claim:
        async with transaction(self.sessionmaker) as session:
            await recover_expired_leases(session, now=now)
            channels = await self._open_channels(session, now)
            starved = await self.limits.waiting(session, channels, now=now)
            ready = [name for name in channels if name not in starved.counts]
            if not ready:
                return _Claim([], 0, starved.wait)
            rows = await self._due(session, ready, now, limit or self.config.batch_size)
            windows = await self._windows(session, {row.organisation_id for row in rows})
            claim = await self._apply_policy(session, rows, windows, now)
        waits = [w for w in (starved.wait, claim.wait) if w is not None]
        return _Claim(claim.items, claim.decided, min(waits, default=None))

    async def _open_channels(self, session: AsyncSession, now: datetime) -> list[str]:
        paused = (
            (
                await session.execute(
                    select(ChannelState.channel).where(ChannelState.paused_until > now)
                )
            )
            .scalars()
            .all()
        )
        return [name for name in self.channels if name not in paused]

    async def _due(
        self, session: AsyncSession, channels: list[str], now: datetime, limit: int
    ) -> list[Any]:
        stmt = (
            select(
                Message.id,
                Message.channel,
                Message.body,
                Message.choices,
                Message.attempts,
                Message.expires_at,
                Message.respect_quiet_hours,
                Message.bypass_consent,
                ContactPoint.address,
                ContactPoint.opted_out,
                Beneficiary.organisation_id,
            )
            .join(ContactPoint, Message.contact_point_id == ContactPoint.id)
            .join(Beneficiary, Message.beneficiary_id == Beneficiary.id)
            .where(
                Message.status == statuses.QUEUED,
                Message.channel.in_(channels),
                (Message.not_before.is_(None)) | (Message.not_before <= now),
            )
            .order_by(Message.priority.desc(), Message.id)
            .limit(limit)
            .with_for_update(of=Message, skip_locked=True)
        )
        return list((await session.execute(stmt)).all())

    async def _windows(self, session: AsyncSession, org_ids: set[int]) -> dict[int, SendingWindow]:
        if not org_ids:
            return {}
        result = await session.execute(
            select(Organisation.id, Organisation.settings).where(Organisation.id.in_(org_ids))
        )
        return {oid: window_from_settings(settings or {}) for oid, settings in result.all()}

    async def _apply_policy(
        self,
        session: AsyncSession,
        rows: list[Any],
        windows: dict[int, SendingWindow],
        now: datetime,
    ) -> _Claim:
        decisions = [(row, _decide(row, windows, now)) for row in rows]
        wanted = Counter(row.channel for row, d in decisions if d.verdict is Verdict.SEND)
        grant = await self.limits.grant(session, wanted, now=now)
        budget = dict(grant.counts)
        lease_until = now + timedelta(seconds=self.config.lease_seconds)
        claimed: list[_Claimed] = []
        changes: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for row, decision in decisions:
            if decision.verdict is not Verdict.SEND:
                _settle(row, decision, now, changes, events)
                continue
            if budget[row.channel] <= 0:
                continue  # left queued and unlocked at commit, for the next tokens
            budget[row.channel] -= 1
            changes.append(
                {
                    "id": row.id,
                    "status": statuses.SENDING,
                    "attempts": row.attempts + 1,
                    "lease_owner": self.config.owner,
                    "lease_until": lease_until,
                    "updated_at": now,
                }
            )
            events.append(_event(row.id, statuses.SENDING, f"essai {row.attempts + 1}", now))
            claimed.append(_Claimed(_envelope(row), row.channel))
        await _write(session, changes, events)
        return _Claim(claimed, len(changes) - len(claimed), grant.wait)


def _decide(row: Any, windows: dict[int, SendingWindow], now: datetime) -> Decision:
    return decide(
        opted_out=row.opted_out,
        bypass_consent=row.bypass_consent,
        respect_quiet_hours=row.respect_quiet_hours,
        expires_at=row.expires_at,
        window=windows[row.organisation_id],
        now=now,
    )


def _settle(
    row: Any,
    decision: Decision,
    now: datetime,
    changes: list[dict[str, Any]],
    events: list[dict[str, Any]],
) -> None:
    """Write down a decision other than sending: later, never, or too late."""
    if decision.verdict is Verdict.DEFER:
        changes.append({"id": row.id, "not_before": decision.until, "updated_at": now})
        return
    status = statuses.SUPPRESSED if decision.verdict is Verdict.SUPPRESS else statuses.EXPIRED
    changes.append(
        {"id": row.id, "status": status, "error_reason": decision.reason, "updated_at": now}
    )
    events.append(_event(row.id, status, decision.reason, now))


def _envelope(row: Any) -> OutboundEnvelope:
    choices = tuple(Choice(str(k), str(label)) for k, label in (row.choices or []))
    return OutboundEnvelope(row.id, row.address, row.body or "", choices)


def _event(message_id: int, status: str, detail: str | None, now: datetime) -> dict[str, Any]:
    return {"message_id": message_id, "status": status, "detail": detail, "created_at": now}


async def _write(
    session: AsyncSession, changes: list[dict[str, Any]], events: list[dict[str, Any]]
) -> None:
    # Rows differ in which columns change; group them so each executemany is uniform.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        groups.setdefault(tuple(sorted(change)), []).append(change)
    for group in groups.values():
        await session.execute(update(Message), group)
    if events:
        await session.execute(insert(MessageEvent), events)
