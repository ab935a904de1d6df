"""Handing tickets around and changing their priority from the ticket page."""

from __future__ import annotations

from sqlalchemy import select

from db.models import TicketNote, TriageTicket
from db.session import SessionMaker
from tests.lien.conftest import App
from tests.lien.console.conftest import add_member, csrf_of, error_of, sign_in, signed_in_as
from tests.lien.test_api_tickets import seed


async def _ticket(sessionmaker: SessionMaker, ticket_id: int) -> TriageTicket:
    async with sessionmaker() as session:
        return await session.get_one(TriageTicket, ticket_id)


async def test_priority_rises_freely_and_lowers_only_with_a_reason(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    ticket_id = await seed(sessionmaker, phone="+33600000051", priority="normal")
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    path = f"/triage/{ticket_id}"
    token = csrf_of((await client.get(path)).text)
    raised = await client.post(path + "/priority", data={"csrf_token": token, "priority": "urgent"})
    assert raised.status_code == 303
    assert (await _ticket(sessionmaker, ticket_id)).priority == "urgent"

    refused = await client.post(
        path + "/priority", data={"csrf_token": token, "priority": "normal"}
    )
    assert refused.status_code == 422
    assert "pourquoi" in error_of(refused.text, "priority_reason")
    assert (await _ticket(sessionmaker, ticket_id)).priority == "urgent"
    bad = await client.post(path + "/priority", data={"csrf_token": token, "priority": "whenever"})
    assert error_of(bad.text, "priority") == "Choisissez une valeur de la liste."

    lowered = await client.post(
        path + "/priority",
        data={"csrf_token": token, "priority": "normal", "priority_reason": "Hébergée ce soir"},
    )
    assert lowered.status_code == 303
    assert (await _ticket(sessionmaker, ticket_id)).priority == "normal"
    async with sessionmaker() as session:
        notes = list(await session.scalars(select(TicketNote.text)))
    assert notes == ["Priorité baissée de « urgent » à « normal » : Hébergée ce soir"]
    page = await client.get(path)
    assert "Priorité mise à jour." in page.text and "Hébergée ce soir" in page.text


async def test_a_ticket_is_handed_to_a_colleague_given_back_and_not_taken_twice(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    ticket_id = await seed(sessionmaker, phone="+33600000052")
    colleague = await add_member(
        sessionmaker, role="staff", email="karim@example.org", name="Karim"
    )
    me = await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    path = f"/triage/{ticket_id}"
    page = await client.get(path)
    assert "Confier le ticket" in page.text and "Rendre le ticket" not in page.text
    token = csrf_of(page.text)
    handed = await client.post(
        path + "/assign", data={"csrf_token": token, "seen": "", "to": str(colleague.id)}
    )
    assert handed.status_code == 303
    shown = (await client.get(path)).text
    assert "Ticket confié à Karim." in shown
    ticket = await _ticket(sessionmaker, ticket_id)
    assert (ticket.assignee_id, ticket.status) == (colleague.id, "in_progress")

    # A page shown before Karim took it must not take it from him silently.
    stale = await client.post(path + "/assign", data={"csrf_token": token, "seen": ""})
    assert stale.status_code == 422
    assert "Déjà pris par Karim" in error_of(stale.text, "to")
    assert (await _ticket(sessionmaker, ticket_id)).assignee_id == colleague.id
    unknown = await client.post(
        path + "/assign", data={"csrf_token": token, "seen": "", "to": "999999"}
    )
    assert error_of(unknown.text, "to") == "Choisissez une personne active de l'équipe."

    taken = await client.post(
        path + "/assign", data={"csrf_token": token, "seen": str(colleague.id)}
    )
    assert taken.status_code == 303
    assert (await _ticket(sessionmaker, ticket_id)).assignee_id == me.id

    client.cookies.clear()
    assert (await sign_in(client, "karim@example.org")).status_code == 303
    page = await client.get(path)
    late = await client.post(
        path + "/release", data={"csrf_token": csrf_of(page.text), "seen": str(colleague.id)}
    )
    assert late.status_code == 422 and "Déjà pris par Staff Test" in error_of(late.text, "to")
    back = await client.post(
        path + "/release", data={"csrf_token": csrf_of(page.text), "seen": str(me.id)}
    )
    assert back.status_code == 303
    assert (await _ticket(sessionmaker, ticket_id)).assignee_id is None
