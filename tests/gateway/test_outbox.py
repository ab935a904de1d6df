from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Attachment, Message, MessageEvent
from gateway.channels.base import Choice
from gateway.consent import OPT_OUT, record_consent
from gateway.exchange import Origin
from gateway.file_links import DEFAULT_LIFETIME, FileLinks, LinkExpired
from gateway.outbound_files import OutboundFile
from gateway.outbox import NotReachable, OutgoingMessage, queue_message, queue_messages
from tests.factories import create_person

STAFF = Origin("staff", "1")


async def test_queue_message_writes_an_outbox_row_with_its_first_status(
    session: AsyncSession,
) -> None:
    person = await create_person(session)
    message_id = await queue_message(
        session, OutgoingMessage(beneficiary_id=person.id, text="Bonjour", origin=STAFF)
    )
    message = await session.get_one(Message, message_id)
    assert (message.direction, message.channel, message.status) == ("out", "sms", "queued")
    assert (message.encoding, message.segments) == ("GSM-7", 1)
    events = (await session.execute(select(MessageEvent.status))).scalars().all()
    assert events == ["queued"]


async def test_telegram_is_preferred_when_the_person_has_it(session: AsyncSession) -> None:
    person = await create_person(session, telegram="4242")
    message_id = await queue_message(
        session, OutgoingMessage(beneficiary_id=person.id, text="Salut", origin=STAFF)
    )
    assert (await session.get_one(Message, message_id)).channel == "telegram"


async def test_choices_become_numbered_lines_on_sms_only(session: AsyncSession) -> None:
    person = await create_person(session, telegram="77")
    choices = (Choice("1", "Oui"), Choice("2", "Non"))
    sms_id, tg_id = [
        q.message_id
        for q in await queue_messages(
            session,
            [
                OutgoingMessage(
                    beneficiary_id=person.id,
                    text="Venez-vous ?",
                    origin=STAFF,
                    channel=channel,
                    choices=choices,
                )
                for channel in ("sms", "telegram")
            ],
        )
    ]
    assert sms_id and tg_id
    assert (await session.get_one(Message, sms_id)).body == "Venez-vous ?\n1. Oui\n2. Non"
    telegram = await session.get_one(Message, tg_id)
    assert telegram.body == "Venez-vous ?"
    assert telegram.choices == [["1", "Oui"], ["2", "Non"]]


async def test_an_opted_out_person_is_not_reachable(session: AsyncSession) -> None:
    person = await create_person(session)
    await record_consent(session, beneficiary_id=person.id, kind=OPT_OUT, source="staff")
    with pytest.raises(NotReachable) as caught:
        await queue_message(
            session, OutgoingMessage(beneficiary_id=person.id, text="x", origin=STAFF)
        )
    assert caught.value.opted_out


async def test_a_dedup_key_queues_a_message_once(session: AsyncSession) -> None:
    person = await create_person(session)
    spec = OutgoingMessage(
        beneficiary_id=person.id, text="Rappel", origin=Origin("reminder"), dedup_key="r:1:2"
    )
    first = await queue_message(session, spec)
    again = await queue_messages(session, [spec, spec])
    assert first is not None
    assert [q.duplicate for q in again] == [True, True]
    count = (await session.execute(select(Message.id))).scalars().all()
    assert len(count) == 1


async def test_ucs2_text_is_counted_as_such(session: AsyncSession) -> None:
    person = await create_person(session)
    message_id = await queue_message(
        session,
        OutgoingMessage(beneficiary_id=person.id, text="L’atelier a lieu", origin=STAFF),
    )
    assert (await session.get_one(Message, message_id)).encoding == "UCS-2"


async def test_an_attached_file_is_dated_by_the_moment_the_caller_passes(
    session: AsyncSession,
) -> None:
    person = await create_person(session)
    # Days away from the wall clock: a read of it instead would show in the row and the link.
    sent_at = utcnow() - timedelta(days=3)
    links = FileLinks(secret=b"outbox-test", base_url="https://lien.example.org")
    file = OutboundFile("1/out-test", "application/pdf", 5, "0" * 64, "a.pdf")
    message_id = await queue_message(
        session,
        OutgoingMessage(beneficiary_id=person.id, text="Voici", origin=STAFF, attachment=file),
        links=links,
        now=sent_at,
    )
    row = (await session.scalars(select(Attachment))).one()
    assert (row.message_id, row.created_at, row.fetched_at) == (message_id, sent_at, sent_at)
    body = (await session.get_one(Message, message_id)).body or ""
    token = body.rsplit("/f/", 1)[1]
    assert links.read(token, now=sent_at + DEFAULT_LIFETIME - timedelta(seconds=1)) == row.id
    with pytest.raises(LinkExpired):
        links.read(token, now=sent_at + DEFAULT_LIFETIME)


async def test_a_file_queued_without_the_moment_is_refused_before_any_write(
    session: AsyncSession,
) -> None:
    person = await create_person(session)
    file = OutboundFile("1/out-test", "application/pdf", 5, "0" * 64, "a.pdf")
    spec = OutgoingMessage(beneficiary_id=person.id, text="Voici", origin=STAFF, attachment=file)
    with pytest.raises(ValueError, match="now"):
        await queue_messages(session, [spec])
    assert (await session.scalars(select(Message))).all() == []
