from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, ConsentEvent, ContactPoint, Message
from db.session import SessionMaker
from gateway.channels.base import InboundMessage
from gateway.exchange import Origin
from gateway.inbound import INBOX, InboundContext, InboundRouter, receive
from gateway.keywords import consent_keyword, is_bot_start
from tests.factories import create_person, create_site


def sms(text: str, sid: str = "SM1", sender: str = "06 12 34 56 78") -> InboundMessage:
    return InboundMessage(channel="sms", address=sender, text=text, provider_id=sid)


def test_consent_keywords_ignore_case_accents_and_punctuation() -> None:
    assert [
        consent_keyword(t) for t in ("STOP", " arrêt ", "Arret.", "stop all", "Unsubscribe")
    ] == ["stop"] * 5
    assert [consent_keyword(t) for t in ("START", "reprendre !")] == ["start", "start"]
    assert consent_keyword("stop le rappel de demain") is None


async def test_an_unknown_sender_becomes_a_beneficiary_and_reaches_the_inbox(
    session: AsyncSession,
) -> None:
    await create_site(session)
    received = await receive(session, InboundRouter(), sms("Bonjour, j'ai besoin d'aide"))
    assert received is not None
    assert received.handled_by == INBOX
    assert received.contact.address == "+33612345678"
    assert received.person.last_contact_at is not None


async def test_the_same_provider_id_is_processed_once(session: AsyncSession) -> None:
    await create_site(session)
    router = InboundRouter()
    assert await receive(session, router, sms("un")) is not None
    assert await receive(session, router, sms("un")) is None
    rows = (await session.execute(select(Message.id))).scalars().all()
    assert len(rows) == 1


async def test_one_person_across_number_spellings(session: AsyncSession) -> None:
    person = await create_person(session, phone="+33612345678")
    received = await receive(session, InboundRouter(), sms("Salut", sender="0612345678"))
    assert received is not None and received.person.id == person.id


async def test_stop_opts_out_every_channel_and_confirms_in_the_person_language(
    session: AsyncSession,
) -> None:
    await create_person(session, language="en", telegram="99")
    received = await receive(session, InboundRouter(), sms("Arrêt"))
    assert received is not None and received.handled_by == "keyword"
    flags = (await session.execute(select(ContactPoint.opted_out))).scalars().all()
    assert flags == [True, True]
    sources = (await session.execute(select(ConsentEvent.source))).scalars().all()
    assert sources == ["keyword", "keyword"]
    reply = await session.get_one(Message, received.replies[0])
    assert reply.body and reply.body.startswith("You will no longer receive")
    assert reply.bypass_consent


async def test_start_opts_back_in(session: AsyncSession) -> None:
    await create_person(session)
    router = InboundRouter()
    await receive(session, router, sms("STOP", sid="SM1"))
    await receive(session, router, sms("start", sid="SM2"))
    flags = (await session.execute(select(ContactPoint.opted_out))).scalars().all()
    assert flags == [False]


async def test_handlers_run_in_order_and_a_broken_one_does_not_lose_the_message(
    session: AsyncSession,
) -> None:
    await create_site(session)
    seen: list[str] = []

    async def broken(ctx: InboundContext) -> bool:
        seen.append("broken")
        raise RuntimeError("bug")

    async def echo(ctx: InboundContext) -> bool:
        seen.append("echo")
        await ctx.reply(f"reçu : {ctx.text}", origin=Origin("flow", "echo"))
        return True

    router = InboundRouter()
    router.register("echo", echo, order=20)
    router.register("broken", broken, order=10)
    received = await receive(session, router, sms("bonjour"))
    assert seen == ["broken", "echo"]
    assert received is not None and received.handled_by == "echo"
    reply = await session.get_one(Message, received.replies[0])
    assert (reply.body, reply.channel, reply.origin_kind) == ("reçu : bonjour", "sms", "flow")


async def test_an_opted_out_person_writing_gets_no_automated_answer(
    session: AsyncSession,
) -> None:
    await create_person(session)
    router = InboundRouter()

    async def always(ctx: InboundContext) -> bool:
        await ctx.reply("automatique", origin=Origin("flow"))
        return True

    router.register("always", always, order=1)
    await receive(session, router, sms("STOP", sid="SM1"))
    received = await receive(session, router, sms("encore moi", sid="SM2"))
    assert received is not None and received.handled_by == INBOX and received.replies == []


def test_telegram_start_command_is_not_a_consent_keyword() -> None:
    assert [consent_keyword(t) for t in ("/start", "/start ref42", "/START@lien_bot")] == [None] * 3
    assert is_bot_start("/start ref42") and not is_bot_start("start")


async def test_opening_the_bot_again_opts_that_chat_back_in_and_reaches_the_handlers(
    session: AsyncSession,
) -> None:
    await create_person(session, telegram="4242")
    router = InboundRouter()
    seen: list[str] = []

    async def record(ctx: InboundContext) -> bool:
        seen.append(ctx.text)
        return True

    router.register("record", record, order=1)
    await receive(session, router, sms("STOP", sid="SM1"))
    received = await receive(
        session,
        router,
        InboundMessage(channel="telegram", address="4242", text="/start", provider_id="7"),
    )

    assert received is not None and received.handled_by == "record" and seen == ["/start"]
    contacts = (await session.execute(select(ContactPoint).order_by(ContactPoint.id))).scalars()
    assert [(c.channel, c.opted_out) for c in contacts] == [("sms", True), ("telegram", False)]


async def test_two_first_messages_of_one_sender_at_once_make_one_person(
    sessionmaker: SessionMaker,
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    router = InboundRouter()

    async def first_message(sid: str) -> int:
        async with sessionmaker() as session, session.begin():
            received = await receive(session, router, sms("Bonjour", sid=sid))
            assert received is not None
            await asyncio.sleep(0.05)  # the other message arrives meanwhile
            return received.person.id

    people = await asyncio.gather(first_message("SM1"), first_message("SM2"))

    assert people[0] == people[1]
    async with sessionmaker() as session:
        assert len((await session.scalars(select(ContactPoint))).all()) == 1
        assert len((await session.scalars(select(Beneficiary))).all()) == 1
