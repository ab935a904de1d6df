"""Claiming due messages: one short transaction that decides, for each, send, wait or never.

Rows are locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's BEGIN IMMEDIATE lets one
claimer in at a time), tokens are taken from the shared rate limits in the same transaction,
and a message to send is marked `sending` with a lease before any provider is called.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, Beneficiary, ChannelState, ContactPoint, Message, Organisation
from db.models.attachments import OUTBOUND
from gateway import statuses
from gateway.channels.base import Choice, OutboundEnvelope, OutboundFileRef
from gateway.exchange import StatusStep, record_steps
from gateway.policy import Decision, Verdict, decide, window_from_settings
from gateway.quiet_hours import SendingWindow
from gateway.ratelimit import RateLimits

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    envelope: OutboundEnvelope
    channel: str


@dataclass(frozen=True)
class Claim:
    """What a claim took to send, how many other decisions it made, and how long to wait."""

    items: list[Claimed]
    decided: int
    wait: float | None


@dataclass(frozen=True)
class Lease:
    owner: str
    seconds: float


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
    await record_steps(session, [StatusStep(i, status, now, detail) for i in ids])


async def claim_due(
    session: AsyncSession,
    *,
    channels: Sequence[str],
    limits: RateLimits,
    lease: Lease,
    now: datetime,
    limit: int,
) -> Claim:
    """Claim up to `limit` due messages of the open channels that have tokens."""
    await recover_expired_leases(session, now=now)
    open_channels = await _open_channels(session, channels, now)
    starved = await limits.waiting(session, open_channels, now=now)
    ready = [name for name in open_channels if name not in starved.counts]
    if not ready:
        return Claim([], 0, starved.wait)
    rows = await _due(session, ready, now, limit)
    windows = await _windows(session, {row.organisation_id for row in rows})
    claim = await _apply_policy(session, rows, windows, now, limits=limits, lease=lease)
    waits = [w for w in (starved.wait, claim.wait) if w is not None]
    return Claim(claim.items, claim.decided, min(waits, default=None))


async def _open_channels(
    session: AsyncSession, channels: Sequence[str], now: datetime
) -> list[str]:
    paused = (
        (await session.execute(select(ChannelState.channel).where(ChannelState.paused_until > now)))
        .scalars()
        .all()
    )
    return [name for name in channels if name not in paused]


async def _due(session: AsyncSession, channels: list[str], now: datetime, limit: int) -> list[Any]:
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
            Attachment.storage_key,
            Attachment.detected_type,
            Attachment.file_name,
        )
        .join(ContactPoint, Message.contact_point_id == ContactPoint.id)
        .join(Beneficiary, Message.beneficiary_id == Beneficiary.id)
        # The file staff attached, if any: the one outgoing attachment of the message.
        .outerjoin(
            Attachment,
            (Attachment.message_id == Message.id) & (Attachment.direction == OUTBOUND),
        )
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


async def _windows(session: AsyncSession, org_ids: set[int]) -> dict[int, SendingWindow]:
    if not org_ids:
        return {}
    result = await session.execute(
        select(Organisation.id, Organisation.settings).where(Organisation.id.in_(org_ids))
    )
    return {oid: window_from_settings(settings or {}) for oid, settings in result.all()}


async def _apply_policy(
    session: AsyncSession,
    rows: list[Any],
    windows: dict[int, SendingWindow],
    now: datetime,
    *,
    limits: RateLimits,
    lease: Lease,
) -> Claim:
    decisions = [(row, _decide(row, windows, now)) for row in rows]
    wanted = Counter(row.channel for row, d in decisions if d.verdict is Verdict.SEND)
    grant = await limits.grant(session, wanted, now=now)
    budget = dict(grant.counts)
    lease_until = now + timedelta(seconds=lease.seconds)
    claimed: list[Claimed] = []
    changes: list[dict[str, Any]] = []
    events: list[StatusStep] = []
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
                "lease_owner": lease.owner,
                "lease_until": lease_until,
                "updated_at": now,
            }
        )
        events.append(_event(row.id, statuses.SENDING, f"essai {row.attempts + 1}", now))
        claimed.append(Claimed(_envelope(row), row.channel))
    await _write(session, changes, events)
    return Claim(claimed, len(changes) - len(claimed), grant.wait)


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
    events: list[StatusStep],
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
    file = None
    if row.storage_key is not None:
        file = OutboundFileRef(row.storage_key, row.detected_type or "", row.file_name or "")
    return OutboundEnvelope(row.id, row.address, row.body or "", choices, file)


def _event(message_id: int, status: str, detail: str | None, now: datetime) -> StatusStep:
    return StatusStep(message_id, status, now, detail)


async def _write(
    session: AsyncSession, changes: list[dict[str, Any]], events: list[StatusStep]
) -> None:
    # Rows differ in which columns change; group them so each executemany is uniform.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        groups.setdefault(tuple(sorted(change)), []).append(change)
    for group in groups.values():
        await session.execute(update(Message), group)
    await record_steps(session, events)
