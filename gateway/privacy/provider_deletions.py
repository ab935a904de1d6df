"""Messages to delete at the provider once an erasure has committed: an outbox, retried until done.

The erasure writes one row per provider message in its own transaction, so nothing is lost if
the process stops; a periodic pass claims due rows (a short transaction), calls the provider
outside any transaction, then records each outcome (another short transaction) with an audit
event. Deleting twice is harmless: the provider answers "not found", which counts as done.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Message, ProviderDeletion
from db.session import SessionMaker, insert_ignore, transaction
from gateway.audit import PROVIDER_DELETE, record_audit
from gateway.channels.base import Removal

log = logging.getLogger(__name__)
TWILIO = "twilio"
PENDING = "pending"
DONE = "done"
FAILED = "failed"
MAX_ATTEMPTS = 20
LEASE = timedelta(minutes=5)


class MessageRemover(Protocol):
    """A channel able to delete the messages its provider stores (Twilio)."""

    async def delete_message(self, sid: str) -> Removal: ...


@dataclass(frozen=True)
class RemovalPass:
    done: int
    retried: int
    failed: int


# A new deletion is due at once, whatever the clock of whoever claims it says: its first due time is
# the epoch rather than the moment of the erasure, which the sources that queue it are not given.
DUE_AT_ONCE = datetime(1970, 1, 1, tzinfo=UTC)


def backoff(attempts: int) -> timedelta:
    """Wait doubling from two minutes, at most a day: a provider outage is waited out."""
    return timedelta(minutes=min(2**attempts, 24 * 60))


async def queue_deletions(
    session: AsyncSession, *, provider: str, beneficiary_id: int, provider_ids: Iterable[str]
) -> int:
    """Ask for provider messages to be deleted after this transaction; return how many are new."""
    added = 0
    for provider_id in provider_ids:
        added += await insert_ignore(
            session,
            ProviderDeletion.__table__,  # type: ignore[arg-type]
            {
                "provider": provider,
                "provider_id": provider_id,
                "beneficiary_id": beneficiary_id,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": DUE_AT_ONCE,
            },
        )
    return added


async def claim_deletions(
    session: AsyncSession, *, provider: str, now: datetime, limit: int
) -> list[ProviderDeletion]:
    """Take due rows for a while, so that another worker leaves them alone."""
    rows = list(
        await session.scalars(
            select(ProviderDeletion)
            .where(
                ProviderDeletion.provider == provider,
                ProviderDeletion.status == PENDING,
                ProviderDeletion.next_attempt_at <= now,
            )
            .order_by(ProviderDeletion.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + LEASE
    await session.flush()
    return rows


async def record_removals(
    session: AsyncSession, results: Iterable[tuple[ProviderDeletion, Removal]], *, now: datetime
) -> RemovalPass:
    """Write what the provider answered; done or given up rows are audited."""
    done = retried = failed = 0
    for row, removal in results:
        values: dict[str, object] = {"last_error": removal.reason}
        if removal.done:
            values.update(status=DONE, done_at=now)
            done += 1
        elif row.attempts >= MAX_ATTEMPTS:
            values.update(status=FAILED)
            failed += 1
        else:
            values.update(next_attempt_at=now + backoff(row.attempts))
            retried += 1
        await session.execute(
            update(ProviderDeletion).where(ProviderDeletion.id == row.id).values(**values)
        )
        if values.get("status") in (DONE, FAILED):
            record_audit(
                session,
                staff_id=None,
                action=PROVIDER_DELETE,
                beneficiary_id=row.beneficiary_id,
                details={
                    "provider": row.provider,
                    "message": row.provider_id,
                    "result": values["status"],
                    "reason": removal.reason,
                },
                at=now,
            )
    return RemovalPass(done, retried, failed)


async def process_deletions(
    sessionmaker: SessionMaker,
    remover: MessageRemover,
    *,
    provider: str,
    now: datetime,
    limit: int = 100,
) -> RemovalPass:
    """Delete due messages at the provider, between two short transactions of its own."""
    async with transaction(sessionmaker) as session:
        claimed = await claim_deletions(session, provider=provider, now=now, limit=limit)
    if not claimed:
        return RemovalPass(0, 0, 0)
    results = [(row, await remover.delete_message(row.provider_id)) for row in claimed]
    async with transaction(sessionmaker) as session:
        outcome = await record_removals(session, results, now=now)
    log.info(
        "provider deletions",
        extra={"done": outcome.done, "retried": outcome.retried, "failed": outcome.failed},
    )
    return outcome


async def queue_missed_deletions(session: AsyncSession) -> int:
    """Queue the SMS of erased people that got their provider id after the erasure (mid-send)."""
    already = (
        select(ProviderDeletion.id)
        .where(
            ProviderDeletion.provider == TWILIO, ProviderDeletion.provider_id == Message.provider_id
        )
        .exists()
    )
    rows = await session.execute(
        select(Message.beneficiary_id, Message.provider_id)
        .join(Beneficiary, Message.beneficiary_id == Beneficiary.id)
        .where(
            Beneficiary.erased_at.is_not(None),
            Message.channel == "sms",
            Message.provider_id.is_not(None),
            ~already,
        )
    )
    added = 0
    for beneficiary_id, provider_id in rows.all():
        added += await queue_deletions(
            session, provider=TWILIO, beneficiary_id=beneficiary_id, provider_ids=[str(provider_id)]
        )
    return added
