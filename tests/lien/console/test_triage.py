"""The triage pages: the queue in order with its filters, a ticket, its answers and its notes."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import AuditEvent, Message, TicketNote, TriageTicket
from db.session import SessionMaker
from gateway import audit
from gateway.consent import OPT_OUT, record_consent
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as
from tests.lien.test_api_tickets import seed


def ticket_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-ticket-id="(\d+)"', html)]


async def test_the_queue_shows_urgent_first_then_oldest_and_filters(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "staff")
    old = await seed(sessionmaker, phone="+33600000001", need="food", minutes=0)
    urgent = await seed(
        sessionmaker, phone="+33600000002", priority="urgent", need="shelter", minutes=30
    )
    arabic = await seed(sessionmaker, phone="+33600000003", language="ar", minutes=10)
    client = lien_app.client
    page = await client.get("/triage")
    assert page.status_code == 200
    assert ticket_ids(page.text) == [urgent, old, arabic]
    assert "Hébergement" in page.text and "urgent" in page.text
    assert ticket_ids((await client.get("/triage?need=shelter")).text) == [urgent]
    assert ticket_ids((await client.get("/triage?language=ar")).text) == [arabic]
    assert ticket_ids((await client.get("/triage?assignee=me")).text) == []

    taken = await client.post(f"/triage/{old}/assign", data={"csrf_token": csrf_of(page.text)})
    assert taken.status_code == 303
    assert ticket_ids((await client.get("/triage?assignee=me")).text) == [old]
    assert ticket_ids((await client.get("/triage?assignee=none")).text) == [urgent, arabic]
    assert ticket_ids((await client.get(f"/triage?assignee={member.id}")).text) == [old]
    assert ticket_ids((await client.get("/triage?status=in_progress")).text) == [old]
    assert ticket_ids((await client.get("/triage?site=nowhere&need=bogus")).text) == [
        urgent,
        old,
        arabic,
    ]


async def test_the_queue_refresh_answers_204_until_a_ticket_changes(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    rows = await client.get("/triage/rows?status=open")
    version = rows.text.split("v=", 1)[1].split('"', 1)[0]
    assert (await client.get("/triage/rows", params={"v": version})).status_code == 204
    await seed(sessionmaker, phone="+33600000009")
    changed = await client.get("/triage/rows", params={"v": version})
    assert changed.status_code == 200 and "data-ticket-id" in changed.text


async def test_a_ticket_is_answered_noted_and_resolved_and_its_view_audited(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "staff")
    ticket_id = await seed(sessionmaker, phone="+33600000004")
    client = lien_app.client
    page = await client.get(f"/triage/{ticket_id}")
    assert page.status_code == 200
    assert "Voir la fiche complète" in page.text
    token = csrf_of(page.text)
    empty = await client.post(f"/triage/{ticket_id}/reply", data={"text": " ", "csrf_token": token})
    assert empty.status_code == 422
    assert error_of(empty.text, "text") == "Ce champ est obligatoire."
    sent = await client.post(
        f"/triage/{ticket_id}/reply", data={"text": "Venez à 14h", "csrf_token": token}
    )
    assert sent.status_code == 303
    noted = await client.post(
        f"/triage/{ticket_id}/notes", data={"note": "Rappeler lundi", "csrf_token": token}
    )
    assert noted.status_code == 303
    shown = (await client.get(f"/triage/{ticket_id}/exchange")).text
    assert "Venez à 14h" in shown and "Rappeler lundi" in shown
    resolved = await client.post(
        f"/triage/{ticket_id}/status", data={"status": "resolved", "csrf_token": token}
    )
    assert resolved.status_code == 303
    bogus = await client.post(
        f"/triage/{ticket_id}/status", data={"status": "lost", "csrf_token": token}
    )
    assert error_of(bogus.text, "status") == "Choisissez une valeur de la liste."
    async with sessionmaker() as session:
        ticket = await session.get_one(TriageTicket, ticket_id)
        assert (ticket.status, ticket.assignee_id) == ("resolved", member.id)
        reply = await session.scalar(select(Message).where(Message.direction == "out"))
        assert reply is not None and reply.body == "Venez à 14h"
        assert reply.origin_kind == "staff"
        assert await session.scalar(select(TicketNote.text)) == "Rappeler lundi"
        views = await session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == audit.VIEW, AuditEvent.beneficiary_id == ticket.beneficiary_id
            )
        )
        assert [v.staff_member_id for v in views] == [member.id]


async def test_a_reply_to_a_person_who_said_stop_is_refused_next_to_the_field(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    ticket_id = await seed(sessionmaker, phone="+33600000005")
    async with sessionmaker() as session, session.begin():
        ticket = await session.get_one(TriageTicket, ticket_id)
        await record_consent(
            session, beneficiary_id=ticket.beneficiary_id, kind=OPT_OUT, source="keyword"
        )
    client = lien_app.client
    page = await client.get(f"/triage/{ticket_id}")
    refused = await client.post(
        f"/triage/{ticket_id}/reply", data={"text": "Bonjour", "csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 422
    assert "STOP" in error_of(refused.text, "text")
    assert "Bonjour" in refused.text  # what was typed is kept


async def test_the_dashboard_counts_open_tickets(lien_app: App, sessionmaker: SessionMaker) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    await seed(sessionmaker, phone="+33600000006")
    await seed(sessionmaker, phone="+33600000007", priority="urgent")
    home = (await lien_app.client.get("/")).text
    found = re.search(r'stat-value">(\d+)</span>\s*<span class="stat-label">Personnes en', home)
    assert found is not None and found.group(1) == "2"
    assert 'href="/triage"' in home


async def test_a_ticket_shows_the_urgency_heard_and_unreviewed_texts_in_french(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    tigrinya = await seed(sessionmaker, phone="+33600000011", language="ti")
    french = await seed(sessionmaker, phone="+33600000012", language="fr")
    async with sessionmaker() as session, session.begin():
        ticket = await session.get_one(TriageTicket, tigrinya)
        ticket.urgency_signals = [
            {"category": "violence", "label": "violences ou menaces", "words": ["ይወቕዓኒ"]}
        ]
    page = (await lien_app.client.get(f"/triage/{tigrinya}")).text
    assert "Urgence entendue" in page and "violences ou menaces" in page and "ይወቕዓኒ" in page
    assert "pas encore relus" in page and "violence<" not in page
    calm = (await lien_app.client.get(f"/triage/{french}")).text
    assert "Urgence entendue" not in calm and "pas encore relus" not in calm
