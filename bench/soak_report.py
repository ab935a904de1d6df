"""After the soak: what became of every message, counted from Lien's tables and the provider's.

A message is lost if it ends neither final nor sent: still queued, being sent or unknown once
the reports, a lookup and the closing of unconfirmed sends have run. A duplicate is a second
message the provider created for one Lien message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.models import ContactPoint, Message, MessageEvent
from db.session import create_sessionmaker, transaction
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, RemoteFakeProvider
from gateway import statuses
from gateway.channels.twilio import TwilioChannel
from gateway.reconcile import (
    LOOKUP_GRACE,
    NOT_RECEIVED,
    SETTLE_AFTER,
    UNCONFIRMED,
    reconcile_unknown,
)
from gateway.reconcile import settle_unconfirmed as settle

CREATING_FAULTS = frozenset({"delay", "drop_after_send", "undelivered"})
NEVER_SENT = frozenset({statuses.QUEUED, statuses.EXPIRED, statuses.SUPPRESSED, "cancelled"})


@dataclass
class Outcome:
    """The figures of one soak run's end."""

    messages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    went_unknown: int = 0
    resolved_by_reports: int = 0
    resolved_by_lookup: int = 0
    closed_not_received: int = 0
    not_received_but_created: int = 0
    closed_unconfirmed: int = 0
    closed_but_created: int = 0
    lost: int = 0
    failed_without_reason: int = 0
    duplicates: int = 0
    silent_sends: int = 0
    refused_calls: int = 0
    callbacks: dict[str, int] = field(default_factory=dict)


async def _count(engine: AsyncEngine, *where: Any) -> int:
    async with create_sessionmaker(engine)() as session:
        found = await session.scalar(select(func.count()).select_from(Message).where(*where))
    return int(found or 0)


async def _statuses(engine: AsyncEngine) -> dict[str, int]:
    async with create_sessionmaker(engine)() as session:
        rows = await session.execute(
            select(Message.status, func.count())
            .where(Message.direction == "out")
            .group_by(Message.status)
        )
    return dict(sorted(rows.all()))


async def _went_unknown(engine: AsyncEngine) -> int:
    async with create_sessionmaker(engine)() as session:
        found = await session.scalar(
            select(func.count(func.distinct(MessageEvent.message_id))).where(
                MessageEvent.status == statuses.UNKNOWN
            )
        )
    return int(found or 0)


async def _messages(engine: AsyncEngine) -> dict[int, tuple[str, str, str, str | None]]:
    """Each outgoing message: channel, address, text, status and error code."""
    async with create_sessionmaker(engine)() as session:
        rows = await session.execute(
            select(
                Message.id,
                Message.channel,
                ContactPoint.address,
                Message.body,
                Message.status,
                Message.error_code,
            )
            .join(ContactPoint, Message.contact_point_id == ContactPoint.id)
            .where(Message.direction == "out")
        )
        return {
            mid: (ch, f"{addr}|{body}", status, code)
            for mid, ch, addr, body, status, code in rows.all()
        }


def _created_per_message(
    remote: RemoteFakeProvider, lien: dict[int, tuple[str, str, str, str | None]]
) -> Counter[int]:
    """How many provider messages each Lien message got."""
    created: Counter[int] = Counter()
    for call in remote.calls(service="twilio", method="create"):
        if call["status"] == 201 or call["fault"] in CREATING_FAULTS:
            callback = str(call["params"].get("StatusCallback", ""))
            ref = parse_qs(urlsplit(callback).query).get("m", [""])[0]
            if ref.isdigit():
                created[int(ref)] += 1
    by_key = {key: mid for mid, (channel, key, _, _) in lien.items() if channel == "telegram"}
    for message in remote.messages()["telegram"]:
        key = f"{message['chat']['id']}|{message['text']}"
        if key in by_key:
            created[by_key[key]] += 1
    return created


async def _lookup_and_close(engine: AsyncEngine, provider_url: str) -> tuple[int, int, int]:
    """Do what `lien outbox check --reconcile` and the closing job (once due) would."""
    sms = TwilioChannel(
        account_sid=DEFAULT_TWILIO_SID,
        auth_token=DEFAULT_TWILIO_TOKEN,
        sender="+33700000000",
        messaging_service_sid=None,
        api_url=provider_url,
        status_callback_url=None,
    )
    await sms.start()
    sessionmaker = create_sessionmaker(engine)
    updated = not_received = 0
    try:
        while True:  # a thousand at a time, as the periodic task does
            looked = await reconcile_unknown(
                sessionmaker, lookups={"sms": sms}, now=utcnow(), quiet_for=timedelta(0)
            )
            updated += looked.updated
            not_received += looked.not_received
            if looked.updated + looked.not_received == 0:
                break
    finally:
        await sms.stop()
    # The closing job, run as it will be once its window has passed.
    later = utcnow() + SETTLE_AFTER * LOOKUP_GRACE + timedelta(minutes=1)
    async with transaction(sessionmaker) as session:
        closed = await settle(session, later)
    return updated, not_received, closed


async def account(engine: AsyncEngine, remote: RemoteFakeProvider) -> Outcome:
    """Count what became of every message, resolving what can still be resolved first."""
    out = Outcome(went_unknown=await _went_unknown(engine))
    still_unknown = await _count(engine, Message.status == statuses.UNKNOWN)
    out.resolved_by_reports = out.went_unknown - still_unknown
    looked = await _lookup_and_close(engine, remote.url)
    out.resolved_by_lookup, out.closed_not_received, out.closed_unconfirmed = looked
    out.by_status = await _statuses(engine)
    out.messages = sum(out.by_status.values())
    out.lost = sum(out.by_status.get(s, 0) for s in statuses.PENDING)
    out.failed_without_reason = await _count(
        engine, Message.status == statuses.FAILED, Message.error_reason.is_(None)
    )
    lien = await _messages(engine)
    created = _created_per_message(remote, lien)
    out.duplicates = sum(count - 1 for count in created.values() if count > 1)
    out.silent_sends = sum(1 for mid in created if lien[mid][2] in NEVER_SENT)
    out.closed_but_created = sum(1 for mid in created if lien[mid][3] == UNCONFIRMED)
    out.not_received_but_created = sum(1 for mid in created if lien[mid][3] == NOT_RECEIVED)
    sending_calls = len(remote.calls(service="twilio", method="create")) + len(
        remote.calls(service="telegram", method="sendMessage")
    )
    out.refused_calls = sending_calls - sum(created.values())
    callbacks = remote.status_callbacks()
    out.callbacks = {
        "sent": sum(1 for c in callbacks if not c["dropped"]),
        "dropped": sum(1 for c in callbacks if c["dropped"]),
        "receiver_down": sum(
            1 for c in callbacks if not c["dropped"] and c["response_status"] is None
        ),
    }
    return out
