from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from db.base import utcnow
from db.models import Message
from db.session import SessionMaker
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from tests.factories import create_person
from tests.lien.conftest import App


async def test_outbox_health_needs_a_staff_token(lien_app: App) -> None:
    response = await lien_app.client.get("/api/outbox/health")
    assert response.status_code == 401


async def test_outbox_health_counts_and_lists_the_stuck_messages(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        person = await create_person(session)
        spec = OutgoingMessage(beneficiary_id=person.id, text="Bonjour", origin=Origin("t"))
        stuck = await queue_message(session, spec)
        await queue_message(session, spec)
        two_hours_ago = utcnow() - timedelta(hours=2)
        await session.execute(
            update(Message)
            .where(Message.id == stuck)
            .values(status="unknown", updated_at=two_hours_ago)
        )

    response = await lien_app.client.get("/api/outbox/health", headers=staff_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["healthy"], body["stuck_total"]) == (False, 1)
    assert body["counts"] == {"sms": {"queued": 1, "unknown": 1}}
    assert body["stuck_counts"]["unknown_unresolved"] == {"sms": 1}
    assert [(s["id"], s["kind"]) for s in body["stuck"]] == [(stuck, "unknown_unresolved")]

    patient = await lien_app.client.get(
        "/api/outbox/health", params={"unknown_hours": 3}, headers=staff_headers
    )
    assert patient.json()["healthy"] is True
    refused = await lien_app.client.get(
        "/api/outbox/health", params={"limit": 0}, headers=staff_headers
    )
    assert refused.status_code == 422
