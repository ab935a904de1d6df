"""What a provider answered, written back to the messages: sends and later status reports."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import MAX_ROW_ID
from db.models import ChannelState, ContactPoint, Message
from gateway import statuses
from gateway.channels.base import Outcome, SendResult
from gateway.consent import OPT_OUT, record_consent
from gateway.exchange import Origin, StatusStep, log_status, record_steps
from gateway.file_links import FileLinks
from gateway.outbound_files import file_of
from gateway.outbox import OutgoingMessage, queue_messages

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class Recorded:
    message_id: int
    channel: str
    result: SendResult


def backoff(attempts: int) -> float:
    """Seconds before another try: doubling from 2 s, capped at five minutes."""
    return min(MAX_BACKOFF, 2.0 ** max(attempts, 1))


async def record_outcomes(
    session: AsyncSession,
    recorded: Sequence[Recorded],
    *,
    now: datetime,
    max_attempts: int,
    links: FileLinks | None = None,
) -> None:
    """Write each send's outcome; a retry goes back to the queue, an opt-out is recorded.

    `links` makes the link an SMS sent instead of a blocked Telegram message carries to its file.
    """
    accepted = [r for r in recorded if r.result.outcome in (Outcome.SENT, Outcome.DELIVERED)]
    await _record_accepted(session, accepted, now=now)
    others = [r for r in recorded if r.result.outcome not in (Outcome.SENT, Outcome.DELIVERED)]
    if not others:
        return
    ids = [r.message_id for r in others]
    found = await session.execute(select(Message).where(Message.id.in_(ids)).with_for_update())
    messages = {m.id: m for m in found.scalars()}
    for item in others:
        message = messages[item.message_id]
        message.lease_owner = None
        message.lease_until = None
        await _apply(session, message, item.result, now=now, max_attempts=max_attempts, links=links)
    await session.flush()


_NOT_YET_SENT = (statuses.SENDING, statuses.UNKNOWN, statuses.QUEUED)


async def _record_accepted(
    session: AsyncSession, accepted: Sequence[Recorded], *, now: datetime
) -> None:
    """Mark accepted sends in bulk; a delivery report that came first is left as it is."""
    if not accepted:
        return
    rows = [
        {
            "mid": r.message_id,
            "pid": r.result.provider_id,
            "new_status": _accepted_status(r.result),
            "delivered": now if r.result.outcome is Outcome.DELIVERED else None,
        }
        for r in accepted
    ]
    connection = await session.connection()
    base = update(Message).where(Message.id == bindparam("mid"))
    # executemany cannot expand an IN list: spell the statuses out.
    not_yet_sent = or_(*(Message.status == s for s in _NOT_YET_SENT))
    await connection.execute(
        base.where(not_yet_sent).values(
            status=bindparam("new_status"),
            provider_id=bindparam("pid"),
            sent_at=func.coalesce(Message.sent_at, now),
            delivered_at=bindparam("delivered"),
            lease_owner=None,
            lease_until=None,
            updated_at=now,
        ),
        rows,
    )
    await connection.execute(
        base.where(~not_yet_sent).values(
            provider_id=func.coalesce(Message.provider_id, bindparam("pid")),
            lease_owner=None,
            lease_until=None,
        ),
        rows,
    )
    steps = [StatusStep(r.message_id, _accepted_status(r.result), now) for r in accepted]
    await record_steps(connection, steps)


def _accepted_status(result: SendResult) -> str:
    return statuses.DELIVERED if result.outcome is Outcome.DELIVERED else statuses.SENT


async def _apply(
    session: AsyncSession,
    message: Message,
    result: SendResult,
    *,
    now: datetime,
    max_attempts: int,
    links: FileLinks | None,
) -> None:
    outcome = result.outcome
    if outcome in (Outcome.SENT, Outcome.DELIVERED):
        message.provider_id = result.provider_id
        message.sent_at = message.sent_at or now
        status = _accepted_status(result)
        if outcome is Outcome.DELIVERED:
            message.delivered_at = now
        if statuses.moves_forward(message.status, status):
            await log_status(session, message, status, at=now)
        return
    message.error_code = result.error_code
    message.error_reason = (result.reason or "")[:300] or None
    if outcome is Outcome.RETRY:
        await _retry(session, message, result, now=now, max_attempts=max_attempts)
    elif outcome is Outcome.UNKNOWN:
        await log_status(session, message, statuses.UNKNOWN, detail=result.reason, at=now)
    else:
        await log_status(session, message, statuses.FAILED, detail=result.reason, at=now)
        if outcome is Outcome.OPTED_OUT:
            await _opt_out(session, message, result, links=links, now=now)


async def _retry(
    session: AsyncSession,
    message: Message,
    result: SendResult,
    *,
    now: datetime,
    max_attempts: int,
) -> None:
    if result.pause_channel and result.retry_after:
        await pause_channel(
            session,
            message.channel,
            until=now + timedelta(seconds=result.retry_after),
            reason=result.reason,
        )
    if message.attempts >= max_attempts:
        detail = f"abandonné après {message.attempts} essais : {result.reason}"
        await log_status(session, message, statuses.FAILED, detail=detail, at=now)
        return
    wait = result.retry_after if result.retry_after is not None else backoff(message.attempts)
    message.not_before = now + timedelta(seconds=wait)
    await log_status(
        session, message, statuses.QUEUED, detail=f"nouvel essai : {result.reason}", at=now
    )


async def pause_channel(
    session: AsyncSession, channel: str, *, until: datetime, reason: str | None
) -> None:
    """Hold a whole channel for every worker, as the provider asked."""
    state = await session.get(ChannelState, channel)
    if state is None:
        session.add(ChannelState(channel=channel, paused_until=until, reason=reason))
    elif state.paused_until is None or state.paused_until < until:
        state.paused_until = until
        state.reason = reason


async def _opt_out(
    session: AsyncSession,
    message: Message,
    result: SendResult,
    *,
    links: FileLinks | None,
    now: datetime,
) -> None:
    contact = (
        await session.get(ContactPoint, message.contact_point_id)
        if message.contact_point_id is not None
        else None
    )
    everywhere = result.error_code == "21610"
    await record_consent(
        session,
        beneficiary_id=message.beneficiary_id,
        kind=OPT_OUT,
        source="provider_error",
        contact=None if everywhere else contact,
        detail=f"{message.channel}:{result.error_code}",
    )
    if message.fallback_channel and not everywhere:
        await _fall_back(session, message, links=links, now=now)


async def _fall_back(
    session: AsyncSession, message: Message, *, links: FileLinks | None, now: datetime
) -> None:
    """Send the same text and file on the fallback channel (Telegram refused: try SMS).

    The file goes as the signed link an SMS carries instead; without the means to make links
    (a tool, a test of another part), the text goes alone rather than nothing at all.
    """
    key = f"{message.dedup_key}:fallback" if message.dedup_key else f"fallback:{message.id}"
    file = await file_of(session, message.id)
    if file is not None and links is None:
        log.warning("fallback without its file: no file links", extra={"message_id": message.id})
        file = None
    await queue_messages(
        session,
        [
            OutgoingMessage(
                beneficiary_id=message.beneficiary_id,
                text=message.body or "",
                origin=Origin(message.origin_kind, message.origin_ref),
                channel=message.fallback_channel,
                priority=message.priority,
                expires_at=message.expires_at,
                respect_quiet_hours=message.respect_quiet_hours,
                dedup_key=key,
                attachment=file,
            )
        ],
        links=links,
        now=now,
    )


def _reported_by(message: Message, provider_id: str | None) -> bool:
    """Say whether a report about `provider_id` can be about this message.

    Once the provider's id is known, only a report naming it counts. Before, only a message
    whose call went out (its answer lost or not yet back) can learn its id from a report:
    one never handed to the provider was never sent, whatever a report claims.
    """
    if message.provider_id is not None:
        return provider_id == message.provider_id
    return provider_id is not None and message.status in (statuses.SENDING, statuses.UNKNOWN)


async def apply_provider_status(
    session: AsyncSession,
    *,
    message_id: int,
    status: str,
    error_code: str | None,
    provider_id: str | None,
    now: datetime,
) -> bool:
    """Apply a delivery report; a report older than what is known changes nothing.

    What the provider says is cut to what the columns hold: an id or code that does not fit
    is not one the provider gives.
    """
    if not 0 < message_id <= MAX_ROW_ID:
        return False
    if provider_id is not None and (len(provider_id) > 64 or "\x00" in provider_id):
        provider_id = None
    if error_code is not None:
        error_code = error_code.replace("\x00", "")[:16] or None
    message = await session.get(Message, message_id, with_for_update=True)
    if message is None or message.direction != "out" or not _reported_by(message, provider_id):
        return False
    if provider_id and message.provider_id is None:
        message.provider_id = provider_id
    if error_code == "21610":
        # Opted out everywhere: nothing falls back, so no file link is needed.
        opted_out = SendResult(Outcome.OPTED_OUT, error_code=error_code)
        await _opt_out(session, message, opted_out, links=None, now=now)
    if not statuses.moves_forward(message.status, status):
        return False
    if error_code:
        message.error_code = error_code
    if status == statuses.DELIVERED:
        message.delivered_at = now
    if status in (statuses.SENT, statuses.DELIVERED) and message.sent_at is None:
        message.sent_at = now
    await log_status(session, message, status, detail="rapport du fournisseur", at=now)
    return True
