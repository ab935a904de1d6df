"""Messages as personal data: their texts go on erasure and after a while, their counts stay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Beneficiary, Message, MessageEvent
from gateway import statuses
from gateway.exchange import log_status, status_history
from gateway.privacy.core import iso
from gateway.privacy.counts import Bucket, add_counts, month_of
from gateway.privacy.labels import section_texts
from gateway.privacy.provider_deletions import TWILIO, queue_deletions
from gateway.privacy.sources import Exported, PurgeRun

BODIES = "message_bodies"
RECORDS = "message_records"
# A message not yet handed to its provider still needs its text.
_IN_FLIGHT = (statuses.QUEUED, statuses.SENDING)


class MessageSource:
    """Every exchange of the person: texts, statuses, their history."""

    name = "messages"
    retention = {BODIES: 12, RECORDS: 36}

    def __init__(self) -> None:
        self.title, self.labels = section_texts(self.name)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        messages = list(
            await session.scalars(
                select(Message)
                .where(Message.beneficiary_id == beneficiary_id)
                .order_by(Message.created_at, Message.id)
            )
        )
        history: dict[int, list[dict[str, Any]]] = {m.id: [] for m in messages}
        for event in await status_history(session, list(history)):
            history[event.message_id].append(
                {"status": event.status, "detail": event.detail, "at": iso(event.created_at)}
            )
        return [
            {
                "created_at": iso(m.created_at),
                "channel": m.channel,
                "direction": m.direction,
                "body": m.body,
                "status": m.status,
                "origin": m.origin_kind,
                "sent_at": iso(m.sent_at),
                "delivered_at": iso(m.delivered_at),
                "error": m.error_reason or m.error_code,
                "history": history[m.id],
            }
            for m in messages
        ]

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        mine = Message.beneficiary_id == beneficiary_id
        sids = await session.scalars(
            select(Message.provider_id).where(
                mine, Message.channel == "sms", Message.provider_id.is_not(None)
            )
        )
        await queue_deletions(
            session,
            provider=TWILIO,
            beneficiary_id=beneficiary_id,
            provider_ids=[sid for sid in sids if sid],
        )
        await _cancel_queued(session, mine)
        await session.execute(
            update(MessageEvent)
            .where(
                MessageEvent.message_id.in_(select(Message.id).where(mine)),
                MessageEvent.detail.is_not(None),
            )
            .values(detail=None)
            .execution_options(synchronize_session=False)
        )
        # A Telegram message id is "<chat id>:<number>": the chat id identifies the person.
        await session.execute(
            update(Message)
            .where(mine, Message.channel == "telegram", Message.direction == "out")
            .values(provider_id=None)
            .execution_options(synchronize_session=False)
        )
        blanked = await session.execute(
            update(Message)
            .where(mine, _has_text())
            .values(body=None, error_reason=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(blanked, "rowcount", 0) or 0)

    async def purge(self, session: AsyncSession, run: PurgeRun) -> dict[str, int]:
        in_org = Message.beneficiary_id.in_(
            select(Beneficiary.id).where(Beneficiary.organisation_id == run.organisation_id)
        )
        settled: list[ColumnElement[bool]] = [in_org, Message.status.not_in(_IN_FLIGHT)]
        report: dict[str, int] = {}
        records_cutoff = run.cutoff(RECORDS)
        if records_cutoff is not None:
            old = [*settled, Message.created_at < records_cutoff]
            report[RECORDS] = await _remove(session, run, RECORDS, old)
        if (cutoff := run.cutoff(BODIES)) is not None:
            old = [*settled, Message.created_at < cutoff, _has_text()]
            if records_cutoff is not None:
                # What the records purge deletes is not counted twice, dry run or not.
                old.append(Message.created_at >= records_cutoff)
            report[BODIES] = await _remove(session, run, BODIES, old)
        return report


async def _remove(
    session: AsyncSession, run: PurgeRun, kind: str, where: list[ColumnElement[bool]]
) -> int:
    """Count messages by month, channel and direction, then delete them or blank their text."""
    buckets = await _buckets(session, where)
    if run.dry_run or not buckets:
        return sum(b[3] for b in buckets)
    await add_counts(session, organisation_id=run.organisation_id, kind=kind, buckets=buckets)
    stmt = (
        delete(Message).where(*where)
        if kind == RECORDS
        else update(Message).where(*where).values(body=None, error_reason=None)
    )
    await session.execute(stmt.execution_options(synchronize_session=False))
    return sum(b[3] for b in buckets)


def _has_text() -> ColumnElement[bool]:
    # Choices are the options Lien offered, not what the person wrote: they stay.
    return Message.body.is_not(None) | Message.error_reason.is_not(None)


async def _cancel_queued(session: AsyncSession, mine: ColumnElement[bool]) -> None:
    queued = list(
        await session.scalars(select(Message).where(mine, Message.status == statuses.QUEUED))
    )
    now = utcnow()
    for message in queued:
        await log_status(session, message, statuses.CANCELLED, at=now)
    await session.flush()


async def _buckets(session: AsyncSession, where: list[ColumnElement[bool]]) -> list[Bucket]:
    month = month_of(Message.created_at, session.get_bind().dialect.name)
    rows = await session.execute(
        select(month, Message.channel, Message.direction, func.count())
        .where(*where)
        .group_by(month, Message.channel, Message.direction)
    )
    return [(str(m), str(c), str(d), int(n)) for m, c, d, n in rows.all()]
