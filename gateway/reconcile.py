"""Messages whose send has an unknown outcome: asked about, or closed after a while.

A send that timed out, lost its connection or whose worker died is `unknown`, never retried.
Twilio's status reports (or a lookup by the provider's id) resolve most of them. Telegram has
neither, and an SMS without a provider id cannot be looked up: after a day with no report,
`settle_unconfirmed` closes them as failed with the reason spelled out, so nothing stays
pending forever and nobody sends them again by mistake.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Message, MessageEvent
from db.session import SessionMaker, transaction
from gateway import statuses
from gateway.channels.base import ProviderReport, StatusLookup
from gateway.outcomes import apply_provider_status

log = logging.getLogger(__name__)
UNCONFIRMED = "unconfirmed"
# Channels whose provider reports on each message later (status callbacks, lookups).
REPORTING_CHANNELS = frozenset({"sms"})
SETTLE_AFTER = timedelta(hours=24)
# A message that can still be looked up gets three times longer: `lien outbox check
# --reconcile` asks the provider about it meanwhile.
LOOKUP_GRACE = 3
LOOKUP_CONCURRENCY = 8


@dataclass(frozen=True)
class Reconciled:
    """What asking the providers did."""

    asked: int
    updated: int
    unknown_to_provider: int
    errors: int


async def _candidates(
    session: AsyncSession, channels: list[str], limit: int
) -> list[tuple[int, str, str]]:
    rows = await session.execute(
        select(Message.id, Message.channel, Message.provider_id)
        .where(
            Message.direction == "out",
            Message.status == statuses.UNKNOWN,
            Message.channel.in_(channels),
            Message.provider_id.is_not(None),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return [(mid, channel, pid) for mid, channel, pid in rows.all() if pid]


async def reconcile_unknown(
    sessionmaker: SessionMaker,
    *,
    lookups: Mapping[str, StatusLookup],
    now: datetime,
    limit: int = 1000,
) -> Reconciled:
    """Ask the providers about `unknown` messages they gave an id to, and apply the answers.

    The lookups run between two short transactions, never inside one.
    """
    async with transaction(sessionmaker) as session:
        pending = await _candidates(session, sorted(lookups), limit)
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

    async def ask(channel: str, provider_id: str) -> ProviderReport | Exception | None:
        async with gate:
            try:
                return await lookups[channel].lookup(provider_id)
            except Exception as exc:
                log.warning("status lookup failed", extra={"channel": channel, "error": str(exc)})
                return exc

    answers = await asyncio.gather(*(ask(channel, pid) for _, channel, pid in pending))
    updated = 0
    async with transaction(sessionmaker) as session:
        for (message_id, _, provider_id), answer in zip(pending, answers, strict=True):
            if isinstance(answer, ProviderReport):
                updated += await apply_provider_status(
                    session,
                    message_id=message_id,
                    status=answer.status,
                    error_code=answer.error_code,
                    provider_id=provider_id,
                    now=now,
                )
    return Reconciled(
        asked=len(pending),
        updated=updated,
        unknown_to_provider=sum(1 for a in answers if a is None),
        errors=sum(1 for a in answers if isinstance(a, Exception)),
    )


def _reason(channel: str, has_provider_id: bool, hours: float) -> str:
    if channel not in REPORTING_CHANNELS:
        why = "le canal ne confirme pas les envois"
    elif has_provider_id:
        why = "le fournisseur n'a jamais donné l'issue"
    else:
        why = "aucun rapport du fournisseur"
    return f"issue inconnue après {hours:g} h ({why}) : peut-être reçu, jamais renvoyé"


async def settle_unconfirmed(
    session: AsyncSession, now: datetime, *, after: timedelta = SETTLE_AFTER
) -> int:
    """Close as failed the `unknown` messages that no report can resolve any more."""
    rows = await session.execute(
        select(Message.id, Message.channel, Message.provider_id, Message.updated_at).where(
            Message.direction == "out",
            Message.status == statuses.UNKNOWN,
            Message.updated_at < now - after,
        )
    )
    by_reason: dict[str, list[int]] = {}
    for message_id, channel, provider_id, updated_at in rows.all():
        can_look_up = channel in REPORTING_CHANNELS and provider_id is not None
        wait = after * LOOKUP_GRACE if can_look_up else after
        if updated_at < now - wait:
            reason = _reason(channel, provider_id is not None, wait.total_seconds() / 3600)
            by_reason.setdefault(reason, []).append(message_id)
    closed = 0
    for reason, ids in by_reason.items():
        for start in range(0, len(ids), 1000):
            closed += await _close(session, ids[start : start + 1000], reason=reason, now=now)
    if closed:
        log.warning("closed unconfirmed sends", extra={"count": closed})
    return closed


async def _close(session: AsyncSession, ids: list[int], *, reason: str, now: datetime) -> int:
    # A report may have come in since the read: only a message still unknown is closed.
    result = await session.execute(
        update(Message)
        .where(Message.id.in_(ids), Message.status == statuses.UNKNOWN)
        .values(status=statuses.FAILED, error_code=UNCONFIRMED, error_reason=reason, updated_at=now)
        .returning(Message.id)
    )
    closed = list(result.scalars())
    if closed:
        await session.execute(
            insert(MessageEvent),
            [
                {"message_id": i, "status": statuses.FAILED, "detail": reason, "created_at": now}
                for i in closed
            ],
        )
    return len(closed)
