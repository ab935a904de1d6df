"""Messages whose send has an unknown outcome: asked about, or closed after a while.

A send that timed out, lost its connection or whose worker died is `unknown`, never retried.
Twilio's status reports resolve most of them; `reconcile_unknown` asks Twilio about the rest
(by message id, or by recipient and text when the id was lost with the answer). Telegram can
tell nothing: after a day, `settle_unconfirmed` closes what is still unknown as failed with the
reason spelled out, so nothing stays pending forever and nobody sends it again by mistake.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContactPoint, Message, MessageEvent
from db.session import SessionMaker, transaction
from gateway import statuses
from gateway.channels.base import ProviderReport, StatusLookup
from gateway.exchange import StatusStep, record_steps
from gateway.outcomes import apply_provider_status

log = logging.getLogger(__name__)
UNCONFIRMED = "unconfirmed"
NOT_RECEIVED = "not_received"
NOT_RECEIVED_REASON = "le fournisseur n'a jamais reçu cet envoi (connexion coupée) : non envoyé"
REQUEUED_REASON = (
    "le fournisseur n'a jamais reçu cet envoi (connexion coupée) : remis en file, une seule fois"
)
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
    not_received: int
    unknown_to_provider: int
    errors: int
    requeued: int = 0


@dataclass(frozen=True)
class _Unresolved:
    id: int
    channel: str
    provider_id: str | None
    address: str
    text: str
    since: datetime


async def _unresolved(
    session: AsyncSession, *, channels: list[str], now: datetime, quiet_for: timedelta, limit: int
) -> list[_Unresolved]:
    rows = await session.execute(
        select(
            Message.id,
            Message.channel,
            Message.provider_id,
            ContactPoint.address,
            Message.body,
            Message.created_at,
        )
        .join(ContactPoint, Message.contact_point_id == ContactPoint.id)
        .where(
            Message.direction == "out",
            Message.status == statuses.UNKNOWN,
            Message.channel.in_(channels),
            Message.updated_at < now - quiet_for,
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return [
        _Unresolved(mid, channel, provider_id, address, body or "", since)
        for mid, channel, provider_id, address, body, since in rows.all()
    ]


async def _ask(lookup: StatusLookup, item: _Unresolved) -> ProviderReport | None:
    if item.provider_id:
        return await lookup.lookup(item.provider_id)
    return await lookup.find(address=item.address, text=item.text, since=item.since)


async def reconcile_unknown(
    sessionmaker: SessionMaker,
    *,
    lookups: Mapping[str, StatusLookup],
    now: datetime,
    quiet_for: timedelta = timedelta(minutes=5),
    limit: int = 1000,
) -> Reconciled:
    """Ask the providers what became of `unknown` messages, and write down their answers.

    A message with a provider id is looked up by it; one without is looked for by recipient
    and text. When the provider has no such message, it never left: it is queued again, once,
    as the same row (so with the same dedup key) and the timeline says so; a second time it is
    closed as failed. Only messages unknown for `quiet_for` are asked about, so that the
    provider's lists have caught up. The lookups run between two short transactions.
    """
    async with transaction(sessionmaker) as session:
        pending = await _unresolved(
            session, channels=sorted(lookups), now=now, quiet_for=quiet_for, limit=limit
        )
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

    async def ask(item: _Unresolved) -> ProviderReport | Exception | None:
        async with gate:
            try:
                return await _ask(lookups[item.channel], item)
            except Exception as exc:
                log.warning(
                    "status lookup failed",
                    extra={"channel": item.channel, "error": f"{type(exc).__name__}: {exc}"[:200]},
                )
                return exc

    answers = await asyncio.gather(*(ask(item) for item in pending))
    updated, missing = 0, []
    async with transaction(sessionmaker) as session:
        for item, answer in zip(pending, answers, strict=True):
            if isinstance(answer, ProviderReport):
                updated += await apply_provider_status(
                    session,
                    message_id=item.id,
                    status=answer.status,
                    error_code=answer.error_code,
                    provider_id=answer.provider_id,
                    now=now,
                )
            elif answer is None and item.provider_id is None:
                missing.append(item.id)
        again = await _requeue_once(session, missing, now=now)
        closed = await _close(
            session,
            [i for i in missing if i not in again],
            code=NOT_RECEIVED,
            reason=NOT_RECEIVED_REASON,
            now=now,
        )
    return Reconciled(
        requeued=len(again),
        asked=len(pending),
        updated=updated,
        not_received=closed,
        unknown_to_provider=sum(
            1 for a, i in zip(answers, pending, strict=True) if a is None and i.provider_id
        ),
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
        closed += await _close(session, ids, code=UNCONFIRMED, reason=reason, now=now)
    if closed:
        log.warning("closed unconfirmed sends", extra={"count": closed})
    return closed


async def _requeue_once(session: AsyncSession, ids: list[int], *, now: datetime) -> set[int]:
    """Queue again the messages that never reached the provider and were not queued again yet.

    The provider said it has no such message, so sending it cannot make a duplicate; an urgent
    alert then still reaches the person. Once only: a second loss means something is wrong.
    """
    if not ids:
        return set()
    before = set(
        (
            await session.scalars(
                select(MessageEvent.message_id).where(
                    MessageEvent.message_id.in_(ids), MessageEvent.detail == REQUEUED_REASON
                )
            )
        ).all()
    )
    result = await session.execute(
        update(Message)
        .where(
            Message.id.in_([i for i in ids if i not in before]),
            Message.status == statuses.UNKNOWN,
        )
        .values(
            status=statuses.QUEUED,
            lease_owner=None,
            lease_until=None,
            not_before=None,
            updated_at=now,
        )
        .returning(Message.id)
    )
    again = set(result.scalars())
    if again:
        steps = [StatusStep(i, statuses.QUEUED, now, REQUEUED_REASON) for i in sorted(again)]
        await record_steps(session, steps)
        log.warning("requeued sends the provider never received", extra={"count": len(again)})
    return again


async def _close(
    session: AsyncSession, ids: list[int], *, code: str, reason: str, now: datetime
) -> int:
    # A report may have come in since the read: only a message still unknown is closed.
    closed: list[int] = []
    for start in range(0, len(ids), 1000):
        result = await session.execute(
            update(Message)
            .where(Message.id.in_(ids[start : start + 1000]), Message.status == statuses.UNKNOWN)
            .values(status=statuses.FAILED, error_code=code, error_reason=reason, updated_at=now)
            .returning(Message.id)
        )
        closed += result.scalars()
    await record_steps(session, [StatusStep(i, statuses.FAILED, now, reason) for i in closed])
    return len(closed)
