"""The staff API of the triage queue: list and filter, take, move, note, answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from sqlalchemy import select

from bot.tickets import open_or_join
from bot.triage import Priority
from db.clock import utcnow
from db.models import Message, StaffMember, TriageTicket
from db.session import SessionMaker
from lien.auth import sole_organisation
from tests.factories import create_person, create_site
from tests.lien.conftest import App, bearer

MORNING = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


async def seed(
    sessionmaker: SessionMaker,
    *,
    phone: str,
    priority: Priority = "normal",
    need: str | None = None,
    language: str = "fr",
    site: str = "nimes-accueil",
    minutes: int = 0,
) -> int:
    async with sessionmaker() as session, session.begin():
        where = await create_site(
            session,
            slug=site,
        )
        person = await create_person(
            session, site=where, language=language, phone=None, simulator=phone
        )
        ticket, _new = await open_or_join(
            session,
            person=person,
            need=need,
            priority=priority,
            source="flow",
            contact_point_id=None,
            first_message_id=None,
            now=MORNING + timedelta(minutes=minutes),
        )
        return ticket.id


async def get(app: App, headers: dict[str, str], path: str = "", **params: Any) -> Any:
    response = await app.client.get(f"/api/tickets{path}", params=params, headers=headers)
    return response.json() if response.status_code == 200 else response


async def test_every_ticket_route_needs_a_token(lien_app: App) -> None:
    calls = [
        ("GET", "/api/tickets"),
        ("GET", "/api/tickets/1"),
        ("POST", "/api/tickets/1/assign"),
        ("DELETE", "/api/tickets/1/assign"),
        ("PATCH", "/api/tickets/1"),
        ("POST", "/api/tickets/1/notes"),
        ("POST", "/api/tickets/1/replies"),
    ]
    for method, path in calls:
        response = await lien_app.client.request(method, path, json={})
        assert response.status_code == 401, (method, path)


async def test_the_queue_puts_urgent_first_and_filters(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    normal = await seed(sessionmaker, phone="+33600000001", need="food", minutes=0)
    urgent = await seed(sessionmaker, phone="+33600000002", priority="urgent", minutes=20)
    high = await seed(
        sessionmaker, phone="+33600000003", priority="high", need="rights", language="ar",
        site="lezignan", minutes=10,
    )  # fmt: skip

    queue = await get(lien_app, staff_headers)
    by_site = await get(lien_app, staff_headers, site="lezignan")
    arabic = await get(lien_app, staff_headers, language="ar")
    food = await get(lien_app, staff_headers, need="food")

    assert [t["id"] for t in queue] == [urgent, high, normal]
    assert [t["id"] for t in by_site] == [high]
    assert [t["id"] for t in arabic] == [high]
    assert [t["id"] for t in food] == [normal]
    assert queue[0]["first_name"] == "Awa"
    assert (await get(lien_app, staff_headers, site="lyon")).status_code == 422
    assert (await get(lien_app, staff_headers, need="dance")).status_code == 422
    assert (await get(lien_app, staff_headers, assignee="Claire")).status_code == 422
    assert (await get(lien_app, staff_headers, path="/999999")).status_code == 404


async def test_take_give_and_release_tickets(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    client = lien_app.client
    mine = await seed(sessionmaker, phone="+33600000001")
    other = await seed(sessionmaker, phone="+33600000002")
    async with sessionmaker() as session, session.begin():
        owner = await sole_organisation(session)
        karim = StaffMember(name="Karim", role="volunteer", organisation_id=owner.id)
        session.add(karim)
        await session.flush()
        karim_id = karim.id

    taken = await client.post(f"/api/tickets/{mine}/assign", headers=staff_headers)
    given = await client.post(
        f"/api/tickets/{other}/assign", json={"staff_member_id": karim_id}, headers=staff_headers
    )
    unknown = await client.post(
        f"/api/tickets/{other}/assign", json={"staff_member_id": 999999}, headers=staff_headers
    )

    assert taken.json()["status"] == "in_progress" and given.json()["assignee_id"] == karim_id
    assert unknown.status_code == 422
    assert [t["id"] for t in await get(lien_app, staff_headers, assignee="me")] == [mine]
    assert [t["id"] for t in await get(lien_app, staff_headers, assignee=str(karim_id))] == [other]
    released = await client.delete(f"/api/tickets/{other}/assign", headers=staff_headers)
    assert released.json()["assignee_id"] is None
    assert [t["id"] for t in await get(lien_app, staff_headers, assignee="none")] == [other]


async def test_status_and_priority_changes(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    client = lien_app.client
    ticket = await seed(sessionmaker, phone="+33600000001", priority="high")
    path = f"/api/tickets/{ticket}"

    lowered = await client.patch(path, json={"priority": "normal"}, headers=staff_headers)
    forced = await client.patch(
        path, json={"priority": "normal", "force_priority": True}, headers=staff_headers
    )
    waiting = await client.patch(path, json={"status": "waiting"}, headers=staff_headers)
    unknown = await client.patch(path, json={"status": "closed"}, headers=staff_headers)

    assert lowered.json()["priority"] == "high"  # priority only rises unless forced
    assert forced.json()["priority"] == "normal"
    assert waiting.json()["status"] == "waiting"
    assert unknown.status_code == 422
    written = await client.post(
        "/api/simulator/messages",
        json={"from": "+33600000001", "text": "Je suis là"},
        headers=staff_headers,
    )
    assert written.json()["replies"] == []
    assert (await get(lien_app, staff_headers, path=f"/{ticket}"))["status"] == "in_progress"
    await client.patch(path, json={"status": "resolved"}, headers=staff_headers)
    # A thank-you soon after joins the resolved ticket: no new ticket, no automatic answer.
    thanks = await client.post(
        "/api/simulator/messages",
        json={"from": "+33600000001", "text": "Merci beaucoup"},
        headers=staff_headers,
    )
    assert thanks.json()["replies"] == []
    assert await get(lien_app, staff_headers) == []
    with time_machine.travel(utcnow() + timedelta(days=3), tick=True):
        again = await client.post(
            "/api/simulator/messages",
            json={"from": "+33600000001", "text": "Encore moi"},
            headers=staff_headers,
        )
        assert "du lundi au vendredi" in again.json()["replies"][0]["text"]
        (newer,) = await get(lien_app, staff_headers)
        assert newer["id"] != ticket and newer["source"] == "out_of_flow"
        reopened = await client.patch(path, json={"status": "new"}, headers=staff_headers)
        assert reopened.status_code == 409 and str(newer["id"]) in reopened.json()["detail"]


async def test_notes_stay_private_and_replies_are_logged_as_staff(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    client = lien_app.client
    ticket = await seed(sessionmaker, phone="+33600000001")

    note = await client.post(
        f"/api/tickets/{ticket}/notes",
        json={"text": "Appelle le 115 ce soir"},
        headers=staff_headers,
    )
    reply = await client.post(
        f"/api/tickets/{ticket}/replies", json={"text": "Bonjour, ça va ?"}, headers=staff_headers
    )
    empty = await client.post(
        f"/api/tickets/{ticket}/notes", json={"text": ""}, headers=staff_headers
    )

    assert note.status_code == 201 and note.json()["text"] == "Appelle le 115 ce soir"
    assert reply.status_code == 201 and reply.json()["channel"] == "simulator"
    assert empty.status_code == 422
    async with sessionmaker() as session:
        sent = await session.get_one(Message, reply.json()["id"])
        staff_id = await session.scalar(select(StaffMember.id).where(StaffMember.name == "Claire"))
        stored = await session.get_one(TriageTicket, ticket)
        bodies = list(await session.scalars(select(Message.body)))
    assert (sent.origin_kind, sent.origin_ref) == ("staff", str(staff_id))
    assert (stored.status, stored.assignee_id) == ("in_progress", staff_id)
    assert bodies == ["Bonjour, ça va ?"]  # the note was never sent
    detail = await get(lien_app, await bearer(sessionmaker, name="Karim"), path=f"/{ticket}")
    assert [n["text"] for n in detail["notes"]] == ["Appelle le 115 ce soir"]
