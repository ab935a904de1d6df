"""A message written soon after a ticket was resolved: thanks join it, urgency still raises."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.tickets import AFTER_RESOLUTION_WINDOW, change_status, conversation_of
from db.base import utcnow
from db.models import TriageTicket
from gateway.inbound import InboundRouter
from tests.bot.urgency_cases import STREET_WITH_BABY
from tests.bot.visitor import Visitor
from tests.factories import create_site


async def oriented_and_resolved(visitor: Visitor, *, hours_ago: float = 1) -> TriageTicket:
    """Walk to the shelter orientation (an urgent ticket), then resolve that ticket."""
    for text in ("Bonjour", "1", "Amina", "1", "non", "2"):
        await visitor.say(text)
    (ticket,) = await visitor.tickets()
    assert ticket.priority == "urgent"
    await change_status(
        visitor.session,
        ticket=ticket,
        status="resolved",
        now=utcnow() - timedelta(hours=hours_ago),
    )
    return ticket


async def test_a_thank_you_after_resolution_joins_the_resolved_ticket_unanswered(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    ticket = await oriented_and_resolved(visitor)
    assert (await visitor.conversation()).state["node"] == "follow_up"

    assert await visitor.say("Merci beaucoup, à ce soir") == []

    assert [(t.id, t.status) for t in await visitor.tickets()] == [(ticket.id, "resolved")]
    assert visitor.last is not None
    assert ticket.last_message_at is not None
    assert ticket.last_message_at >= visitor.last.message.created_at - timedelta(seconds=1)
    exchange = await conversation_of(session, ticket)
    assert exchange[-1].id == visitor.last.message.id
    assert (await visitor.conversation()).status == "ended"

    assert await visitor.say("Bonne soirée") == []  # no hand-off on a later word either
    assert len(await visitor.tickets()) == 1


async def test_an_urgent_message_after_resolution_still_opens_an_urgent_ticket(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    resolved = await oriented_and_resolved(visitor)

    answers = await visitor.say(STREET_WITH_BABY)

    assert any("115" in text for text in answers)
    tickets = await visitor.tickets()
    assert [t.status for t in tickets] == ["resolved", "new"]
    assert tickets[1].priority == "urgent" and tickets[0].id == resolved.id


async def test_after_the_window_a_message_opens_a_new_ticket_as_before(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    hours = AFTER_RESOLUTION_WINDOW.total_seconds() / 3600 + 1
    await oriented_and_resolved(visitor, hours_ago=hours)

    answers = await visitor.say("Merci, à ce soir")

    assert answers  # the follow-up hands off as it always did
    assert [t.status for t in await visitor.tickets()] == ["resolved", "new"]
