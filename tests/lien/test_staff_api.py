from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import ContactPoint
from db.session import SessionMaker
from gateway.consent import OPT_OUT, record_consent
from gateway.privacy.builtin import core_registry
from gateway.privacy.erasure import erase_person
from tests.lien.conftest import App, make_settings, started, without_domains


@pytest.fixture
async def lien_app(engine: AsyncEngine, database_url: str) -> AsyncIterator[App]:
    """The gateway without domains: what nobody handles lands in the inbox."""
    async for app in started(make_settings(database_url), wiring=without_domains):
        yield app


async def test_every_api_route_refuses_a_caller_without_token(lien_app: App) -> None:
    calls = [
        ("GET", "/api/beneficiaries"),
        ("POST", "/api/beneficiaries"),
        ("GET", "/api/beneficiaries/1"),
        ("PATCH", "/api/beneficiaries/1"),
        ("POST", "/api/beneficiaries/1/contacts"),
        ("GET", "/api/beneficiaries/1/messages"),
        ("POST", "/api/beneficiaries/1/messages"),
        ("POST", "/api/simulator/messages"),
        ("GET", "/api/inbox"),
    ]
    for method, path in calls:
        response = await lien_app.client.request(method, path, json={})
        assert response.status_code == 401, (method, path)
    bad = await lien_app.client.get("/api/inbox", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert "invalide" in bad.json()["detail"]


async def test_create_find_and_edit_a_beneficiary(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    client = lien_app.client
    created = await client.post(
        "/api/beneficiaries",
        json={
            "first_name": "Samira",
            "language": "ar",
            "phone": "06 11 22 33 44",
            "tags": ["Isolé", "famille"],
        },
        headers=staff_headers,
    )
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["contacts"][0]["address"] == "+33611223344"
    assert person["tags"] == ["famille", "isole"]
    found = await client.get(
        "/api/beneficiaries", params={"phone": "+33611223344"}, headers=staff_headers
    )
    assert [p["id"] for p in found.json()] == [person["id"]]
    again = await client.post(
        "/api/beneficiaries", json={"phone": "0611223344"}, headers=staff_headers
    )
    assert again.status_code == 409
    patched = await client.patch(
        f"/api/beneficiaries/{person['id']}",
        json={"language": "fr", "tags": ["à risque"]},
        headers=staff_headers,
    )
    assert (patched.json()["language"], patched.json()["tags"]) == ("fr", ["a-risque"])


async def test_bad_input_gets_a_clear_4xx(lien_app: App, staff_headers: dict[str, str]) -> None:
    client = lien_app.client
    bad_phone = await client.post("/api/beneficiaries", json={"phone": "12"}, headers=staff_headers)
    assert bad_phone.status_code == 422 and "invalide" in bad_phone.json()["detail"]
    unknown_site = await client.post(
        "/api/beneficiaries", json={"site": "lyon"}, headers=staff_headers
    )
    assert unknown_site.status_code == 422 and "lyon" in unknown_site.json()["detail"]
    wrong_field = await client.post(
        "/api/beneficiaries", json={"language": 12}, headers=staff_headers
    )
    assert wrong_field.status_code == 422
    assert wrong_field.json()["errors"][0]["field"] == "language"
    missing = await client.get("/api/beneficiaries/999999", headers=staff_headers)
    assert missing.status_code == 404


async def test_simulated_conversation_and_timeline_with_staff_reply(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    client = lien_app.client
    sent = await client.post(
        "/api/simulator/messages",
        json={"from": "+33612000001", "text": "Bonjour"},
        headers=staff_headers,
    )
    assert sent.status_code == 200, sent.text
    person_id = sent.json()["beneficiary_id"]
    reply = await client.post(
        f"/api/beneficiaries/{person_id}/messages",
        json={"text": "Bonjour, que pouvons-nous faire pour vous ?"},
        headers=staff_headers,
    )
    assert reply.status_code == 201 and reply.json()["channel"] == "simulator"
    await lien_app.runtime.dispatcher.run_once()
    timeline = (
        await client.get(f"/api/beneficiaries/{person_id}/messages", headers=staff_headers)
    ).json()
    assert [(m["direction"], m["status"], m["origin"]) for m in timeline] == [
        ("in", "received", "person"),
        ("out", "delivered", "staff"),
    ]
    assert [s["status"] for s in timeline[1]["history"]] == ["queued", "sending", "delivered"]


async def test_a_staff_message_to_an_opted_out_person_is_refused(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    sent = await lien_app.client.post(
        "/api/simulator/messages",
        json={"from": "+33612000002", "text": "STOP"},
        headers=staff_headers,
    )
    person_id = sent.json()["beneficiary_id"]
    assert sent.json()["handled_by"] == "keyword"
    refused = await lien_app.client.post(
        f"/api/beneficiaries/{person_id}/messages",
        json={"text": "Bonjour"},
        headers=staff_headers,
    )
    assert refused.status_code == 409
    assert "STOP" in refused.json()["detail"] or "ne plus recevoir" in refused.json()["detail"]


def metric(body: str, name: str) -> float:
    """Read one sample of the Prometheus text, 0 when the series does not exist yet."""
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            if f"{sample.name}{{{labels}}}" == name or (sample.name == name and not labels):
                return sample.value
    return 0.0


async def test_metrics_count_messages_and_queue_depth(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    inbound = 'lien_messages_total{channel="simulator",direction="in"}'
    received = 'lien_message_statuses_total{status="received"}'
    queued = 'lien_message_statuses_total{status="queued"}'
    before = (await lien_app.client.get("/metrics")).text
    await lien_app.client.post(
        "/api/simulator/messages",
        json={"from": "+33612000003", "text": "STOP"},
        headers=staff_headers,
    )
    body = (await lien_app.client.get("/metrics")).text
    # Counters of the whole process: what this request wrote is the difference.
    assert metric(body, inbound) - metric(before, inbound) == 1
    assert metric(body, queued) - metric(before, queued) == 1  # the STOP confirmation
    assert metric(body, received) == metric(before, received)  # arrivals have no status step
    assert metric(body, "lien_outbox_depth") == 1
    health = (await lien_app.client.get("/healthz")).json()
    assert health["status"] == "ok" and "simulator" in health["channels"]
    assert "sms" in health["disabled"]


async def test_inbox_lists_messages_nobody_handled(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await lien_app.client.post(
        "/api/simulator/messages",
        json={"from": "+33612000004", "text": "Il y a quelqu'un ?"},
        headers=staff_headers,
    )
    inbox = (await lien_app.client.get("/api/inbox", headers=staff_headers)).json()
    assert [i["body"] for i in inbox] == ["Il y a quelqu'un ?"]
    async with sessionmaker() as session:
        contact = await session.scalar(select(ContactPoint))
        assert contact is not None
        await record_consent(
            session, beneficiary_id=contact.beneficiary_id, kind=OPT_OUT, source="staff"
        )


async def test_a_contact_is_added_to_a_record_but_not_to_an_erased_one(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    client = lien_app.client
    created = await client.post(
        "/api/beneficiaries", json={"first_name": "Awa"}, headers=staff_headers
    )
    person_id = created.json()["id"]
    url = f"/api/beneficiaries/{person_id}/contacts"
    added = await client.post(
        url, json={"channel": "sms", "address": "06 11 22 33 55"}, headers=staff_headers
    )
    assert added.status_code == 201, added.text
    assert [c["address"] for c in added.json()["contacts"]] == ["+33611223355"]
    async with sessionmaker() as session, session.begin():
        await erase_person(session, core_registry(), beneficiary_id=person_id, staff_id=None)
    refused = await client.post(
        url, json={"channel": "telegram", "address": "4242"}, headers=staff_headers
    )
    assert refused.status_code == 409
    assert "Cette fiche a été effacée" in refused.text
    async with sessionmaker() as session:
        channels = (await session.scalars(select(ContactPoint.channel))).all()
    assert "telegram" not in channels
