"""The simulator never touches a real contact, is off outside demo unless asked, and is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import AuditEvent, ContactPoint, Message
from db.session import SessionMaker
from tests.factories import create_person
from tests.lien.conftest import App, bearer, make_settings, started

REAL = "+33612345678"


async def _real_person(sessionmaker: SessionMaker, *, opted_out: bool) -> int:
    async with sessionmaker() as session, session.begin():
        person = await create_person(session, phone=REAL, telegram="4242")
        if opted_out:
            for contact in await session.scalars(select(ContactPoint)):
                contact.opted_out = True
        return person.id


async def _contacts(sessionmaker: SessionMaker) -> list[tuple[int, str, bool]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(
                ContactPoint.beneficiary_id, ContactPoint.channel, ContactPoint.opted_out
            ).order_by(ContactPoint.id)
        )
        return [(b, c, o) for b, c, o in rows.all()]


async def test_start_or_stop_from_a_real_number_never_reaches_the_real_person(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    person_id = await _real_person(sessionmaker, opted_out=True)
    # Staff: outside the demo, volunteers have no simulator at all.
    volunteer = await bearer(sessionmaker, role="staff", name="Karim")
    before = await _contacts(sessionmaker)
    for text in ("START", "STOP", "Bonjour"):
        response = await lien_app.client.post(
            "/api/simulator/messages",
            json={"from": "06 12 34 56 78", "text": text},
            headers=volunteer,
        )
        assert response.status_code == 200, response.text
        assert response.json()["beneficiary_id"] != person_id
    after = await _contacts(sessionmaker)
    assert after[: len(before)] == before  # the real contacts, still opted out
    assert all(b != person_id for b, c, _ in after[len(before) :])
    async with sessionmaker() as session:
        queued = list(
            await session.scalars(select(Message.id).where(Message.beneficiary_id == person_id))
        )
        audit = list(
            await session.execute(
                select(AuditEvent.staff_member_id, AuditEvent.beneficiary_id).where(
                    AuditEvent.action == "simulator.message"
                )
            )
        )
    assert queued == []
    staff_ids = {staff_id for staff_id, _ in audit}
    assert len(audit) == 3 and len(staff_ids) == 1 and None not in staff_ids


async def test_a_simulated_record_that_gained_a_real_contact_is_refused(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    staff = await bearer(sessionmaker, role="staff")
    first = await lien_app.client.post(
        "/api/simulator/messages", json={"from": "+33600000001", "text": "Bonjour"}, headers=staff
    )
    simulated = first.json()["beneficiary_id"]
    async with sessionmaker() as session, session.begin():
        session.add(ContactPoint(beneficiary_id=simulated, channel="sms", address="+33600000002"))
    refused = await lien_app.client.post(
        "/api/simulator/messages", json={"from": "+33600000001", "text": "STOP"}, headers=staff
    )
    assert refused.status_code == 409 and "personne réelle" in refused.json()["detail"]
    assert [o for b, c, o in await _contacts(sessionmaker) if c == "sms"] == [False]


@pytest.fixture
async def plain_app(engine: AsyncEngine, database_url: str) -> AsyncIterator[App]:
    async for app in started(make_settings(database_url, simulator_enabled=False)):
        yield app


async def test_the_simulator_is_off_outside_demo_unless_enabled(
    plain_app: App, sessionmaker: SessionMaker
) -> None:
    staff = await bearer(sessionmaker, role="staff")
    response = await plain_app.client.post(
        "/api/simulator/messages", json={"from": "+33600000001", "text": "Bonjour"}, headers=staff
    )
    assert response.status_code == 404 and "LIEN_SIMULATOR_ENABLED" in response.json()["detail"]
    assert await _contacts(sessionmaker) == []
    demo = make_settings("sqlite+aiosqlite://", environment="demo", simulator_enabled=False)
    assert demo.simulator_on
