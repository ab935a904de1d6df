"""The audit trail of the staff API: every view, edit, export and erasure, readable by admins."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from db.base import utcnow
from db.models import StaffMember
from db.session import SessionMaker
from tests.lien.conftest import App, bearer


async def staff_id(sessionmaker: SessionMaker, name: str) -> int:
    async with sessionmaker() as session:
        found = await session.scalar(select(StaffMember.id).where(StaffMember.name == name))
    assert found is not None
    return found


async def test_views_edits_and_searches_are_recorded_without_the_data_itself(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    client = lien_app.client
    admin = await bearer(sessionmaker, role="admin", name="Admin")
    volunteer = await bearer(sessionmaker, role="volunteer", name="Bénévole")
    created = await client.post(
        "/api/beneficiaries",
        json={"first_name": "Yasmine", "phone": "06 55 44 33 22"},
        headers=admin,
    )
    person_id = created.json()["id"]
    await client.get(f"/api/beneficiaries/{person_id}", headers=volunteer)
    await client.get(f"/api/beneficiaries/{person_id}/messages", headers=volunteer)
    await client.get(f"/api/beneficiaries/{person_id}/consent", headers=volunteer)
    await client.patch(
        f"/api/beneficiaries/{person_id}", json={"last_name": "Haddad"}, headers=volunteer
    )
    await client.get("/api/beneficiaries", params={"phone": "0655443322"}, headers=volunteer)

    trail = await client.get("/api/audit", params={"limit": 50}, headers=admin)
    assert trail.status_code == 200
    events = trail.json()
    assert [e["action"] for e in events] == [
        "search",
        "edit",
        "view_consent",
        "view_timeline",
        "view",
        "create",
    ]
    volunteer_id = await staff_id(sessionmaker, "Bénévole")
    assert {e["staff_member_id"] for e in events[:5]} == {volunteer_id}
    assert events[1]["details"] == {"fields": ["last_name"]}
    assert events[0]["details"] == {"by": "phone", "results": 1}
    written = json.dumps([e["details"] for e in events])
    assert "Haddad" not in written and "Yasmine" not in written and "554433" not in written


async def test_the_trail_is_filtered_by_person_staff_action_and_date_for_admins_only(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    client = lien_app.client
    admin = await bearer(sessionmaker, role="admin", name="Admin")
    staff = await bearer(sessionmaker, role="staff", name="Claire")
    first = (await client.post("/api/beneficiaries", json={}, headers=admin)).json()["id"]
    second = (await client.post("/api/beneficiaries", json={}, headers=admin)).json()["id"]
    await client.get(f"/api/beneficiaries/{first}", headers=staff)
    await client.get(f"/api/beneficiaries/{second}", headers=staff)
    await client.get(f"/api/beneficiaries/{second}", headers=admin)

    async def actions(**params: str | int) -> list[tuple[str, int | None]]:
        answer = await client.get("/api/audit", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        return [(e["action"], e["beneficiary_id"]) for e in answer.json()]

    assert await actions(beneficiary_id=second) == [
        ("view", second),
        ("view", second),
        ("create", second),
    ]
    claire = await staff_id(sessionmaker, "Claire")
    assert await actions(staff_id=claire) == [("view", second), ("view", first)]
    assert await actions(action="create") == [("create", second), ("create", first)]
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    assert await actions(since=later) == []
    assert len(await actions(until=later)) == 5
    naive = await client.get("/api/audit", params={"since": "2026-01-01T00:00:00"}, headers=admin)
    assert naive.status_code == 422
    for role in (staff, await bearer(sessionmaker, role="volunteer", name="V")):
        assert (await client.get("/api/audit", headers=role)).status_code == 403


async def test_the_activities_part_of_a_record_is_audited_as_a_view(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    admin = await bearer(sessionmaker, role="admin", name="Admin")
    person = (await lien_app.client.post("/api/beneficiaries", json={}, headers=admin)).json()
    shown = await lien_app.client.get(
        f"/api/beneficiaries/{person['id']}/activities", headers=admin
    )
    assert shown.status_code == 200
    trail = await lien_app.client.get(
        "/api/audit", params={"action": "view", "beneficiary_id": person["id"]}, headers=admin
    )
    assert [e["details"] for e in trail.json()] == [{"part": "activities"}]
