from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from broadcast.tasks import run_due_broadcasts
from broadcast.texts import broadcast_text
from db.base import utcnow
from db.session import SessionMaker
from tests.factories import create_person, create_site
from tests.lien.conftest import App, bearer

ROUTES = [
    ("POST", "/api/broadcasts/audience"),
    ("POST", "/api/broadcasts/preview"),
    ("POST", "/api/broadcasts"),
    ("GET", "/api/broadcasts"),
    ("GET", "/api/broadcasts/1"),
    ("PUT", "/api/broadcasts/1"),
    ("GET", "/api/broadcasts/1/preview"),
    ("POST", "/api/broadcasts/1/send"),
    ("POST", "/api/broadcasts/1/approve"),
    ("POST", "/api/broadcasts/1/cancel"),
    ("GET", "/api/broadcasts/1/status"),
    ("GET", "/api/broadcasts/1/recipients.csv"),
    ("GET", "/api/broadcasts/1/replies"),
    ("PUT", "/api/broadcasts/settings/approval"),
    ("POST", "/api/imports/beneficiaries"),
]


async def people(sessionmaker: SessionMaker) -> None:
    """Three people reachable through the simulator, so the app's own dispatcher delivers."""
    async with sessionmaker() as session, session.begin():
        site = await create_site(session)
        for name, language, number, tags in (
            ("Awa", "fr", "+33612345601", ["isolé"]),
            ("Samira", "ar", "+33612345602", ["isolé", "famille"]),
            ("Luc", "fr", "+33612345603", []),
        ):
            await create_person(
                session,
                site=site,
                first_name=name,
                language=language,
                phone=None,
                simulator=number,
                tags=tags,
            )


DRAFT: dict[str, Any] = {
    "organisation": "default",
    "title": "Fermeture",
    "texts": {"fr": "Bonjour {prénom}, le centre est fermé demain.", "ar": "المركز مغلق غدا"},
    "audience": {"tags": ["Isolé"]},
    "stop_notice": False,
}


async def test_every_route_refuses_a_caller_without_token(lien_app: App) -> None:
    for method, path in ROUTES:
        response = await lien_app.client.request(method, path, json={})
        assert response.status_code == 401, (method, path)


async def test_audience_count_sample_and_preview(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await people(sessionmaker)
    client = lien_app.client
    found = await client.post(
        "/api/broadcasts/audience",
        json={"organisation": "default", "audience": {"tags": ["isolé"]}},
        headers=staff_headers,
    )
    assert found.status_code == 200, found.text
    assert (found.json()["count"], found.json()["people"], found.json()["through_shared"]) == (
        2,
        2,
        0,
    )
    assert found.json()["by_language"] == {"ar": 1, "fr": 1}
    assert [p["first_name"] for p in found.json()["sample"]] == ["Awa", "Samira"]
    composed = {key: DRAFT[key] for key in ("organisation", "texts", "audience", "stop_notice")}
    preview = await client.post("/api/broadcasts/preview", json=composed, headers=staff_headers)
    assert preview.status_code == 200, preview.text
    texts = {t["language"]: t for t in preview.json()["texts"]}
    assert texts["fr"]["example"] == "Bonjour Awa, le centre est fermé demain."
    assert texts["ar"]["encoding"] == "UCS-2"
    missing = await client.post(
        "/api/broadcasts/preview",
        json={**composed, "texts": {"ar": "مرحبا"}},
        headers=staff_headers,
    )
    assert missing.status_code == 422
    assert "français" in missing.json()["detail"]
    # Every account belongs to an organisation: naming none means one's own.
    own = await client.post("/api/broadcasts/audience", json={}, headers=staff_headers)
    assert own.status_code == 200, own.text
    other = await client.post(
        "/api/broadcasts/audience", json={"organisation": "ami-aude"}, headers=staff_headers
    )
    assert other.status_code == 403


async def test_send_approve_follow_export_and_replies(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await people(sessionmaker)
    client = lien_app.client
    admin = await bearer(sessionmaker, role="admin", name="Direction")
    other = await bearer(sessionmaker, name="Karim")
    threshold = await client.put(
        "/api/broadcasts/settings/approval",
        json={"organisation": "default", "above": 1},
        headers=admin,
    )
    assert threshold.status_code == 204, threshold.text
    # Urgent, so that the wall clock's quiet hours do not hold it.
    urgent = {**DRAFT, "urgent": True}
    created = await client.post("/api/broadcasts", json=urgent, headers=staff_headers)
    assert created.status_code == 201, created.text
    broadcast_id = created.json()["id"]
    assert (created.json()["texts"], created.json()["urgent"]) == (DRAFT["texts"], True)
    sent = await client.post(f"/api/broadcasts/{broadcast_id}/send", headers=staff_headers)
    assert sent.json()["status"] == "pending_approval"
    # Approval is an administrator's: neither the author nor another staff member.
    for refused in (staff_headers, other):
        answer = await client.post(f"/api/broadcasts/{broadcast_id}/approve", headers=refused)
        assert answer.status_code == 403
    approved = await client.post(f"/api/broadcasts/{broadcast_id}/approve", headers=admin)
    assert approved.json()["status"] == "scheduled"
    assert approved.json()["approved_by"] not in (None, created.json()["created_by"])
    edit = await client.put(f"/api/broadcasts/{broadcast_id}", json=DRAFT, headers=staff_headers)
    assert edit.status_code == 409

    async with sessionmaker() as session, session.begin():
        await run_due_broadcasts(session, utcnow())
    await lien_app.runtime.dispatcher.run_once()
    status = await client.get(f"/api/broadcasts/{broadcast_id}/status", headers=staff_headers)
    assert status.json()["counts"]["delivered"] == 2

    reply = await client.post(
        "/api/simulator/messages",
        json={"from": "+33612345602", "text": "Merci, et jeudi ?"},
        headers=staff_headers,
    )
    # Attached to the broadcast and answered with its reply text, not with a flow's words.
    assert reply.json()["handled_by"] == "broadcast-replies"
    # Samira reads Arabic: the acknowledgement comes in her language.
    assert [r["text"] for r in reply.json()["replies"]] == [broadcast_text("reply_received", "ar")]
    # What the person writes next goes on to the accueil, which puts it in the triage queue.
    more = await client.post(
        "/api/simulator/messages",
        json={"from": "+33612345602", "text": "J'ai besoin d'aide"},
        headers=staff_headers,
    )
    assert more.json()["handled_by"] == "accueil"
    replies = await client.get(f"/api/broadcasts/{broadcast_id}/replies", headers=staff_headers)
    assert [r["text"] for r in replies.json()] == ["J'ai besoin d'aide", "Merci, et jeudi ?"]
    person_id = reply.json()["beneficiary_id"]
    queue = await client.get(
        "/api/tickets", params={"beneficiary_id": person_id}, headers=staff_headers
    )
    assert len(queue.json()) == 1

    export = await client.get(
        f"/api/broadcasts/{broadcast_id}/recipients.csv", headers=staff_headers
    )
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["bénéficiaire", "prénom", "nom"]
    assert [(r[1], r[5], r[7], r[11]) for r in rows[1:]] == [
        ("Awa", "simulator", "remis", "0"),
        ("Samira", "simulator", "remis", "2"),
    ]
    async with sessionmaker() as session, session.begin():
        assert (await run_due_broadcasts(session, utcnow())).finished == [broadcast_id]
    cancel = await client.post(f"/api/broadcasts/{broadcast_id}/cancel", headers=staff_headers)
    assert cancel.status_code == 409 and "annulée" in cancel.json()["detail"]


async def test_volunteers_may_compose_but_not_send(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await people(sessionmaker)
    volunteer = await bearer(sessionmaker, role="volunteer", name="Bénévole")
    created = await lien_app.client.post("/api/broadcasts", json=DRAFT, headers=volunteer)
    assert created.status_code == 201
    sent = await lien_app.client.post(
        f"/api/broadcasts/{created.json()['id']}/send", headers=volunteer
    )
    assert sent.status_code == 403
    missing = await lien_app.client.get("/api/broadcasts/9999", headers=volunteer)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


async def test_a_broadcast_sent_for_later_keeps_its_time(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await people(sessionmaker)
    created = await lien_app.client.post("/api/broadcasts", json=DRAFT, headers=staff_headers)
    later = "2031-01-06T09:00:00+01:00"
    sent = await lien_app.client.post(
        f"/api/broadcasts/{created.json()['id']}/send",
        json={"send_at": later},
        headers=staff_headers,
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "scheduled"
    at = datetime.fromisoformat(sent.json()["send_at"].replace("Z", "+00:00"))
    assert at == datetime(2031, 1, 6, 8, 0, tzinfo=UTC)
    naive = await lien_app.client.post(
        f"/api/broadcasts/{created.json()['id']}/send",
        json={"send_at": "2031-01-06T09:00:00"},
        headers=staff_headers,
    )
    assert naive.status_code == 422


async def test_the_same_alert_twice_needs_a_confirmation_and_says_what_a_reply_gets(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await people(sessionmaker)
    client = lien_app.client
    draft = {**DRAFT, "reply_text": "Merci, nous vous rappelons."}
    first = await client.post("/api/broadcasts", json=draft, headers=staff_headers)
    assert first.json()["reply_text"] == "Merci, nous vous rappelons."
    sent = await client.post(f"/api/broadcasts/{first.json()['id']}/send", headers=staff_headers)
    assert sent.json()["status"] == "scheduled", sent.text
    second = await client.post("/api/broadcasts", json=DRAFT, headers=staff_headers)
    again = await client.post(f"/api/broadcasts/{second.json()['id']}/send", headers=staff_headers)
    assert again.status_code == 409 and again.json()["code"] == "repeated_text"
    assert "confirmez pour l'envoyer une seconde fois" in again.json()["detail"]
    confirmed = await client.post(
        f"/api/broadcasts/{second.json()['id']}/send",
        json={"confirm_repeat": True},
        headers=staff_headers,
    )
    assert confirmed.json()["status"] == "scheduled", confirmed.text
    # 1,590 characters fit alone, not with the STOP notice: every SMS would fail at Twilio.
    long = {**DRAFT, "texts": {"fr": "a" * 1590}, "stop_notice": True}
    created = await client.post("/api/broadcasts", json=long, headers=staff_headers)
    refused = await client.post(
        f"/api/broadcasts/{created.json()['id']}/send", headers=staff_headers
    )
    assert refused.status_code == 422 and "mention STOP" in refused.json()["detail"]
