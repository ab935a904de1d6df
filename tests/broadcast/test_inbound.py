from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.inbound import attach_reply
from broadcast.tasks import run_due_broadcasts
from db.models import Broadcast, BroadcastReply, Message
from db.session import SessionMaker
from gateway.channels.base import InboundMessage
from gateway.inbound import INBOX, InboundRouter, receive
from tests.broadcast.conftest import OPEN, sent_broadcast
from tests.clock import frozen_at
from tests.factories import create_person, create_site

# Replies are matched to broadcasts sent in the last days, counted from the moment they arrive.
_clock = frozen_at(OPEN)


def router() -> InboundRouter:
    routes = InboundRouter()
    routes.register("broadcast-replies", attach_reply, order=5)
    return routes


def sms(text: str, sid: str, sender: str = "+33612345601") -> InboundMessage:
    return InboundMessage(channel="sms", address=sender, text=text, provider_id=sid)


async def delivered_broadcast(session: AsyncSession, sessionmaker: SessionMaker) -> int:
    site = await create_site(session)
    await create_person(session, site=site, phone="+33612345601")
    await create_person(session, site=site, phone="+33612345602")
    sent = await sent_broadcast(session, site)
    async with sessionmaker() as s, s.begin():
        await run_due_broadcasts(s, OPEN)
        for message in await s.scalars(select(Message)):
            message.status, message.sent_at = "sent", OPEN
    return sent.id


async def attached(session: AsyncSession) -> list[tuple[int, str | None]]:
    rows = await session.execute(
        select(BroadcastReply.broadcast_id, Message.body)
        .join(Message, Message.id == BroadcastReply.message_id)
        .order_by(BroadcastReply.id)
    )
    return [(b, body) for b, body in rows.all()]


async def test_a_first_reply_gets_the_broadcast_answer_then_replies_reach_the_inbox(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    broadcast_id = await delivered_broadcast(session, sessionmaker)
    with time_machine.travel(OPEN + timedelta(hours=1), tick=False):
        first = await receive(session, router(), sms("Merci ! Et jeudi ?", "SM1"))
        again = await receive(session, router(), sms("Vous ouvrez à quelle heure ?", "SM2"))
    assert first is not None and first.handled_by == "broadcast-replies"
    answers = [await session.get_one(Message, m) for m in first.replies]
    assert [m.body for m in answers] == ["Merci, l'équipe a bien reçu votre message."]
    assert again is not None and again.handled_by == INBOX and again.replies == []
    assert await attached(session) == [
        (broadcast_id, "Merci ! Et jeudi ?"),
        (broadcast_id, "Vous ouvrez à quelle heure ?"),
    ]


async def test_a_broadcast_can_say_what_a_reply_gets(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    broadcast_id = await delivered_broadcast(session, sessionmaker)
    broadcast = await session.get_one(Broadcast, broadcast_id)
    broadcast.reply_text = "Merci. Le centre rouvre jeudi à 9h."
    with time_machine.travel(OPEN + timedelta(hours=1), tick=False):
        first = await receive(session, router(), sms("Et demain ?", "SM1"))
    assert first is not None
    answers = [await session.get_one(Message, m) for m in first.replies]
    assert [m.body for m in answers] == ["Merci. Le centre rouvre jeudi à 9h."]


async def test_stop_is_a_keyword_not_a_reply(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    await delivered_broadcast(session, sessionmaker)
    received = await receive(session, router(), sms("STOP", "SM2"))
    assert received is not None and received.handled_by == "keyword"
    assert await attached(session) == []


async def test_a_message_long_after_the_broadcast_is_not_a_reply(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    await delivered_broadcast(session, sessionmaker)
    for message in await session.scalars(select(Message)):
        message.sent_at = OPEN - timedelta(days=30)
    received = await receive(session, router(), sms("Bonjour", "SM3"))
    assert received is not None and received.handled_by == INBOX
    assert await attached(session) == []


async def test_someone_who_got_no_broadcast_has_nothing_attached(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    await delivered_broadcast(session, sessionmaker)
    received = await receive(session, router(), sms("Bonjour", "SM4", sender="+33699999999"))
    assert received is not None and received.handled_by == INBOX
    assert await attached(session) == []
