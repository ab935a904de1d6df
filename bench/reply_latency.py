"""Reply latency, read back from the record: webhook received → first answer handed to Twilio.

An inbound message's `created_at` is when its webhook was stored; its answers are the person's
outgoing rows written while it was handled (ids between it and the person's next inbound
message), and an answer is handed to the provider at its `sending` event.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select

from db.models import ContactPoint, Message, MessageEvent
from db.session import create_engine


async def reply_latencies(url: str, phones: Collection[str]) -> list[float]:
    """Seconds from each inbound message of these phones to its first answer's hand-over."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            handed = (
                select(MessageEvent.message_id, func.min(MessageEvent.created_at).label("at"))
                .where(MessageEvent.status == "sending")
                .group_by(MessageEvent.message_id)
                .subquery()
            )
            rows = await connection.execute(
                select(
                    Message.beneficiary_id,
                    Message.id,
                    Message.direction,
                    Message.created_at,
                    handed.c.at,
                )
                .join(ContactPoint, Message.contact_point_id == ContactPoint.id)
                .outerjoin(handed, handed.c.message_id == Message.id)
                .where(ContactPoint.address.in_(list(phones)))
                .order_by(Message.beneficiary_id, Message.id)
            )
            latencies: list[float] = []
            waiting_since = None
            person = None
            for beneficiary_id, _id, direction, created_at, handed_at in rows.all():
                if beneficiary_id != person:
                    person, waiting_since = beneficiary_id, None
                if direction == "in":
                    waiting_since = created_at
                elif waiting_since is not None and handed_at is not None:
                    latencies.append((handed_at - waiting_since).total_seconds())
                    waiting_since = None
            return latencies
    finally:
        await engine.dispose()
