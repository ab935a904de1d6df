"""The dispatcher: claims due messages, applies the policy, sends, and records what happened.

A message is marked `sending` (the attempt recorded and committed) before its provider is
called. A crash after that leaves it `sending` with a lease; whoever finds the lease expired
marks it `unknown`, to be reconciled by a provider report, never sent a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
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
from gateway.outcomes import Recorded, record_outcomes
from gateway.policy import Verdict, decide, window_from_settings
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
    """What one dispatcher pass did."""

    sent: int
    decided: int
    waiting_for_rate: bool


@dataclass(frozen=True)
class _Claimed:
    envelope: OutboundEnvelope
    channel: str


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
        while not self._stopping:
            try:
                done = await self.run_once()
            except Exception:
                log.exception("dispatcher pass failed")
                done = Pass(0, 0, False)
                await asyncio.sleep(1.0)
            if done.decided:
                continue
            delay = self.limits.wait_time() if done.waiting_for_rate else self.config.poll_interval
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.005))

    async def run_once(self, *, now: datetime | None = None) -> Pass:
        """Claim a batch, send it, record the outcomes."""
        claimed, decided, waiting = await self._claim(now or utcnow())
        if claimed:
            results = await self._send_all(claimed)
            async with transaction(self.sessionmaker) as session:
                recorded = [Recorded(c.envelope.message_id, c.channel, r) for c, r in results]
                await record_outcomes(
                    session, recorded, now=now or utcnow(), max_attempts=self.config.max_attempts
                )
        return Pass(len(claimed), decided + len(claimed), waiting)

    async def _send_all(self, claimed: list[_Claimed]) -> list[tuple[_Claimed, SendResult]]:
        gate = asyncio.Semaphore(self.config.concurrency)
        # One person's messages leave one after the other, in queue order: an answer and the
        # next question of a conversation must not cross on the way. People go in parallel.
        threads: dict[tuple[str, str], list[_Claimed]] = {}
        for item in claimed:
            threads.setdefault((item.channel, item.envelope.address), []).append(item)

        async def thread(items: list[_Claimed]) -> list[tuple[_Claimed, SendResult]]:
            results = []
            for item in items:
                async with gate:
                    results.append((item, await self.channels[item.channel].send(item.envelope)))
            return results

        sent = await asyncio.gather(*(thread(items) for items in threads.values()))
        return [result for results in sent for result in results]

    async def _claim(self, now: datetime) -> tuple[list[_Claimed], int, bool]:
        async with transaction(self.sessionmaker) as session:
            await recover_expired_leases(session, now=now)
            channels = await self._open_channels(session, now)
            if not channels:
                return [], 0, False
            rows = await self._due(session, channels, now)
            windows = await self._windows(session, {row.organisation_id for row in rows})
            return await self._apply_policy(session, rows, windows, now)

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

    async def _due(self, session: AsyncSession, channels: list[str], now: datetime) -> list[Any]:
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
            .limit(self.config.batch_size)
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
    ) -> tuple[list[_Claimed], int, bool]:
        claimed: list[_Claimed] = []
        changes: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        waiting = False
        lease_until = now + timedelta(seconds=self.config.lease_seconds)
        budget = {name: self.limits.available(name) for name in self.channels}
        for row in rows:
            decision = decide(
                opted_out=row.opted_out,
                bypass_consent=row.bypass_consent,
                respect_quiet_hours=row.respect_quiet_hours,
                expires_at=row.expires_at,
                window=windows[row.organisation_id],
                now=now,
            )
            if decision.verdict is Verdict.SEND:
                if budget[row.channel] <= 0:
                    waiting = True
                    continue
                budget[row.channel] -= 1
                self.limits.take(row.channel, 1)
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
            elif decision.verdict is Verdict.DEFER:
                changes.append({"id": row.id, "not_before": decision.until, "updated_at": now})
            else:
                status = (
                    statuses.SUPPRESSED
                    if decision.verdict is Verdict.SUPPRESS
                    else statuses.EXPIRED
                )
                changes.append(
                    {
                        "id": row.id,
                        "status": status,
                        "error_reason": decision.reason,
                        "updated_at": now,
                    }
                )
                events.append(_event(row.id, status, decision.reason, now))
        await _write(session, changes, events)
        return claimed, len(changes) - len(claimed), waiting


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
