"""Conversation timeouts: one nudge, then closing; never while staff are on it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbound import Accueil
from bot.tasks import run_conversation_timeouts
from db.base import utcnow
from db.models import Message, TriageTicket
from gateway.inbound import InboundRouter
from tests.bot.visitor import Visitor
from tests.factories import create_site


async def timeouts(session: AsyncSession, accueil: Accueil, *, after: timedelta) -> int:
    return await run_conversation_timeouts(
        session, utcnow() + after, flows=accueil.flows, directory=accueil.directory
    )


async def flow_messages(session: AsyncSession, since: int) -> list[Message]:
    found = await session.scalars(
        select(Message).where(Message.id > since, Message.direction == "out").order_by(Message.id)
    )
    return list(found)


async def last_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(Message.id).order_by(Message.id.desc())) or 0)


async def test_silence_gets_one_nudge_then_the_conversation_closes(
    session: AsyncSession, router: InboundRouter, accueil_service: Accueil
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    await visitor.say("Bonjour")
    await visitor.say("1")
    before = await last_id(session)

    assert await timeouts(session, accueil_service, after=timedelta(hours=1)) == 0
    assert await timeouts(session, accueil_service, after=timedelta(hours=5)) == 1
    (nudge,) = await flow_messages(session, before)
    assert nudge.body is not None and nudge.body.startswith("Nous attendons votre réponse")
    assert "Quel est votre prénom" in nudge.body
    assert nudge.respect_quiet_hours and nudge.origin_ref == "accueil"
    assert nudge.channel == "simulator"

    assert await timeouts(session, accueil_service, after=timedelta(days=3)) == 1
    closing = (await flow_messages(session, before))[-1]
    assert closing.body is not None and "nous fermons cette conversation" in closing.body
    conversation = await visitor.conversation()
    assert (conversation.status, conversation.next_timeout_at) == ("ended", None)
    assert await timeouts(session, accueil_service, after=timedelta(days=9)) == 0


async def test_an_urgent_question_left_unanswered_still_reaches_the_queue(
    session: AsyncSession, router: InboundRouter, accueil_service: Accueil
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    for text in ("Bonjour", "1", "Amina", "2"):  # health: "an emergency, now?"
        await visitor.say(text)

    await timeouts(session, accueil_service, after=timedelta(hours=2))
    await timeouts(session, accueil_service, after=timedelta(hours=7))

    (ticket,) = await visitor.tickets()
    assert (ticket.need, ticket.status) == ("health", "new")
    assert ticket.directory_entries == ["pass-caremeau", "cpam-gard"]


async def test_timeouts_wait_while_staff_are_on_it_and_resume_after(
    session: AsyncSession, router: InboundRouter, accueil_service: Accueil
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    await visitor.say("Bonjour")
    person = await visitor.person()
    session.add(
        TriageTicket(
            beneficiary_id=person.id,
            priority="normal",
            language="fr",
            status="in_progress",
            source="staff",
            directory_entries=[],
        )
    )
    await session.flush()

    assert await timeouts(session, accueil_service, after=timedelta(hours=5)) == 0
    (ticket,) = await visitor.tickets()
    ticket.status = "resolved"
    assert await timeouts(session, accueil_service, after=timedelta(hours=5)) == 1
