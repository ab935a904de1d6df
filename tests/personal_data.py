"""A person with a full history on two channels, and a scan of every table for what they wrote."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, String, Text, TypeDecorator, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from db.base import Base, utcnow
from db.models import Beneficiary
from gateway.channels.base import InboundMessage, Outcome, SendResult
from gateway.exchange import Origin
from gateway.inbound import InboundRouter, receive
from gateway.outbox import OutgoingMessage, queue_message
from gateway.outcomes import Recorded, record_outcomes
from tests.factories import create_person

PHONE = "+33612345678"
PHONE_DIGITS = "612345678"  # in every spelling: +33 6…, 06…, 0033 6…
CHAT_ID = "987654321"
FIRST_NAME = "Samira"
LAST_NAME = "Benkirane"
NOTE = "suivi cardiologie"
TEXT_SMS_IN = "J'ai besoin d'un médecin pour ma fille"
TEXT_TELEGRAM_IN = "Je viendrai mardi avec mes papiers"
TEXT_SMS_OUT = "Permanence santé mardi 14h30 au centre social"
TEXT_TELEGRAM_OUT = "Apportez votre titre de séjour"
TEXT_FAILED = "Rappel atelier français jeudi"
TEXT_QUEUED = "Distribution alimentaire samedi"
SMS_SID_IN = "SM" + "1" * 32
SMS_SID_OUT = "SM" + "2" * 32
NEEDLES = (
    PHONE_DIGITS,
    CHAT_ID,
    FIRST_NAME,
    LAST_NAME,
    NOTE,
    TEXT_SMS_IN,
    TEXT_TELEGRAM_IN,
    TEXT_SMS_OUT,
    TEXT_TELEGRAM_OUT,
    TEXT_FAILED,
    TEXT_QUEUED,
)


@dataclass(frozen=True)
class History:
    person_id: int
    sms_out_id: int
    telegram_out_id: int
    queued_id: int


async def seed_history(session: AsyncSession, *, phone: str = PHONE) -> History:
    """Create a person who wrote and was written to on SMS and Telegram, stopped and restarted."""
    person = await create_person(
        session, first_name=FIRST_NAME, phone=phone, telegram=CHAT_ID, tags=["santé"]
    )
    person.last_name = LAST_NAME
    person.fields = {"note": NOTE}
    router = InboundRouter()
    for channel, address, text, sid in (
        ("sms", phone, TEXT_SMS_IN, SMS_SID_IN),
        ("telegram", CHAT_ID, TEXT_TELEGRAM_IN, "7001"),
        ("sms", phone, "STOP", "SM" + "3" * 32),
        ("sms", phone, "START", "SM" + "4" * 32),
    ):
        inbound = InboundMessage(channel=channel, address=address, text=text, provider_id=sid)
        assert await receive(session, router, inbound) is not None
    sms_out = await _queue(session, person.id, TEXT_SMS_OUT, "sms")
    telegram_out = await _queue(session, person.id, TEXT_TELEGRAM_OUT, "telegram")
    failed = await _queue(session, person.id, TEXT_FAILED, "sms")
    queued = await _queue(session, person.id, TEXT_QUEUED, "sms")
    reason = f"Twilio 400 21211: The 'To' number {phone} is not a valid phone number."
    await record_outcomes(
        session,
        [
            Recorded(sms_out, "sms", SendResult(Outcome.SENT, provider_id=SMS_SID_OUT)),
            Recorded(
                telegram_out, "telegram", SendResult(Outcome.SENT, provider_id=f"{CHAT_ID}:12")
            ),
            Recorded(failed, "sms", SendResult(Outcome.FAILED, error_code="21211", reason=reason)),
        ],
        now=utcnow(),
        max_attempts=3,
    )
    await session.flush()
    return History(person.id, sms_out, telegram_out, queued)


async def _queue(session: AsyncSession, person_id: int, text: str, channel: str) -> int:
    message_id = await queue_message(
        session,
        OutgoingMessage(
            beneficiary_id=person_id, text=text, channel=channel, origin=Origin("staff", "1")
        ),
    )
    assert message_id is not None
    return message_id


async def scan(session: AsyncSession, needles: Iterable[str] = NEEDLES) -> set[tuple[str, str]]:
    """Return (table.column, needle) for each text or JSON column of any table holding a needle."""
    wanted = list(needles)
    found: set[tuple[str, str]] = set()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if _holds_text(c.type)]
        if not columns:
            continue
        for row in (await session.execute(select(*columns))).all():
            for column, value in zip(columns, row, strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                found.update((f"{table.name}.{column.name}", n) for n in wanted if n in text)
    return found


def _holds_text(kind: TypeEngine[Any]) -> bool:
    stored = kind.impl_instance if isinstance(kind, TypeDecorator) else kind
    return isinstance(stored, String | Text | JSON)


async def person(session: AsyncSession, person_id: int) -> Beneficiary:
    return await session.get_one(Beneficiary, person_id)
