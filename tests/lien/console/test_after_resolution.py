"""Staff see a thank-you written after resolution on the resolved ticket, not as a new one."""

from __future__ import annotations

import html
from datetime import timedelta

from bot.directory import load_directory
from bot.flowload import load_flows
from bot.inbound import Accueil
from bot.tickets import change_status
from db.base import utcnow
from db.session import SessionMaker
from gateway.inbound import InboundRouter
from tests.bot.visitor import Visitor
from tests.lien.conftest import App
from tests.lien.console.conftest import signed_in_as


async def test_the_resolved_ticket_shows_the_thank_you_and_the_queue_stays_empty(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    routes = InboundRouter()
    routes.register("accueil", Accueil(load_flows(), load_directory()).handle, order=100)
    async with sessionmaker() as session, session.begin():
        visitor = Visitor(session, routes, address="+33612000061")
        for text in ("Bonjour", "1", "Amina", "1", "non", "2"):
            await visitor.say(text)
        (ticket,) = await visitor.tickets()
        await change_status(
            session, ticket=ticket, status="resolved", now=utcnow() - timedelta(hours=2)
        )
        assert await visitor.say("Merci, à ce soir !") == []
        ticket_id = ticket.id

    page = html.unescape((await lien_app.client.get(f"/triage/{ticket_id}")).text)
    assert "Merci, à ce soir !" in page
    queue = (await lien_app.client.get("/triage")).text
    assert 'data-ticket-id="' not in queue
