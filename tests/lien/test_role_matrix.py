"""The role matrix: volunteer, staff, admin of an association, and the instance operator."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.base import utcnow
from db.models import Occurrence, Rsvp, StaffMember, TriageTicket
from db.session import SessionMaker
from lien.console.csrf import HEADER
from tests.lien.conftest import App, bearer
from tests.lien.console.conftest import csrf_of
from tests.lien.isolation import console_client, two_associations


async def test_a_volunteer_reads_only_the_tickets_given_to_them_and_triage_is_for_staff(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    nimes, _aude = await two_associations(sessionmaker)
    client = lien_app.client
    volunteer, staff = nimes.tokens["volunteer"], nimes.tokens["staff"]
    ticket = f"/api/tickets/{nimes.ticket_id}"
    assert (await client.get("/api/tickets", headers=volunteer)).json() == []
    assert (await client.get(ticket, headers=volunteer)).status_code == 404
    for method, path, body in (
        ("POST", f"{ticket}/assign", {}),
        ("POST", f"{ticket}/notes", {"text": "vu"}),
        ("POST", f"{ticket}/replies", {"text": "bonjour"}),
        ("PATCH", ticket, {"status": "resolved"}),
    ):
        refused = await client.request(method, path, json=body, headers=volunteer)
        assert refused.status_code == 403, (method, path, refused.text)
    given = await client.post(
        f"{ticket}/assign",
        json={"staff_member_id": nimes.token_ids["volunteer"]},
        headers=staff,
    )
    assert given.status_code == 200, given.text
    queue = (await client.get("/api/tickets", headers=volunteer)).json()
    assert [t["id"] for t in queue] == [nimes.ticket_id]
    detail = await client.get(ticket, headers=volunteer)
    assert detail.status_code == 200
    assert "note privée Gardois" in detail.text
    # Staff see the whole queue, whoever holds a ticket.
    assert [t["id"] for t in (await client.get("/api/tickets", headers=staff)).json()] == [
        nimes.ticket_id
    ]


async def test_a_volunteer_takes_attendance_at_a_session_that_has_begun(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    nimes, _aude = await two_associations(sessionmaker)
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        occurrence = await session.get_one(Occurrence, nimes.occurrence_id)
        occurrence.original_start = occurrence.start = now - timedelta(minutes=30)
        occurrence.end = now + timedelta(minutes=30)
    answer = await lien_app.client.put(
        f"/api/occurrences/{nimes.occurrence_id}/attendance",
        json={"present": [nimes.person_id]},
        headers=nimes.tokens["volunteer"],
    )
    assert answer.status_code == 200, answer.text


async def test_the_operator_hosts_associations_and_reads_no_ones_data(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    nimes, _aude = await two_associations(sessionmaker)
    operator = await bearer(sessionmaker, role="operator", name="Hébergeur")
    client = lien_app.client
    for path in ("/api/beneficiaries", "/api/tickets", f"/api/beneficiaries/{nimes.person_id}"):
        assert (await client.get(path, headers=operator)).status_code == 403, path
    listed = await client.get("/api/organisations", headers=operator)
    assert {o["slug"] for o in listed.json()} >= {"ami-nimes", "ami-aude"}
    assert "Gardois" not in listed.text.replace("Association Gardois", "")
    created = await client.post(
        "/api/organisations",
        json={"slug": "asso-savoie", "name": "Accueil Savoie", "site_slug": "chambery"},
        headers=operator,
    )
    assert created.status_code == 201, created.text
    again = await client.post(
        "/api/organisations", json={"slug": "asso-savoie", "name": "Autre"}, headers=operator
    )
    assert again.status_code == 409 and again.json()["code"] == "organisation_taken"
    admin = await client.post(
        "/api/organisations/asso-savoie/admins",
        json={
            "email": "admin@savoie.example.org",
            "name": "Admin Savoie",
            "password": "Savoie ouvre ses portes en juin",
        },
        headers=operator,
    )
    assert admin.status_code == 201, admin.text
    missing = await client.post(
        "/api/organisations/nulle-part/admins",
        json={
            "email": "a@b.example.org",
            "name": "Personne",
            "password": "Savoie ouvre ses portes en juin",
        },
        headers=operator,
    )
    assert missing.status_code == 404
    async with sessionmaker() as session:
        member = await session.scalar(
            select(StaffMember).where(StaffMember.email == "admin@savoie.example.org")
        )
        assert member is not None and member.role == "admin" and member.organisation_id
    # Only the operator opens these doors.
    refused = await client.get("/api/organisations", headers=nimes.tokens["admin"])
    assert refused.status_code == 403


async def test_a_ticket_cannot_be_given_to_another_associations_account(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    nimes, aude = await two_associations(sessionmaker)
    answer = await lien_app.client.post(
        f"/api/tickets/{nimes.ticket_id}/assign",
        json={"staff_member_id": aude.staff_ids["staff"]},
        headers=nimes.tokens["admin"],
    )
    # The other's account is as unknown as one that does not exist.
    assert answer.status_code == 422 and "Audois" not in answer.text
    async with sessionmaker() as session:
        ticket = await session.get_one(TriageTicket, nimes.ticket_id)
        assert ticket.assignee_id is None


async def test_a_volunteer_marks_attendance_in_the_console(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    nimes, _aude = await two_associations(sessionmaker)
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        occurrence = await session.get_one(Occurrence, nimes.occurrence_id)
        occurrence.original_start = occurrence.start = now - timedelta(minutes=30)
        occurrence.end = now + timedelta(minutes=30)
    await console_client(lien_app.client, nimes.emails["volunteer"])
    page = await lien_app.client.get(f"/events/sessions/{nimes.occurrence_id}")
    assert page.status_code == 200 and 'value="yes"' in page.text
    marked = await lien_app.client.post(
        f"/events/sessions/{nimes.occurrence_id}/attendance",
        data={"beneficiary_id": str(nimes.person_id), "present": "yes"},
        headers={HEADER: csrf_of(page.text)},
    )
    assert marked.status_code == 303
    async with sessionmaker() as session:
        attended = await session.scalar(
            select(Rsvp.attended).where(Rsvp.occurrence_id == nimes.occurrence_id)
        )
    assert attended is True
