"""Export, erasure, consent and retention through the staff API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.session import SessionMaker
from gateway.consent import TOLD_STAFF
from lien.app import create_app
from lien.runtime import Runtime
from lien.wiring import wire_domains
from tests.gateway.privacy.plugin import MemorySource
from tests.lien.conftest import PUBLIC_URL, App, bearer, make_settings
from tests.personal_data import (
    CHAT_ID,
    FIRST_NAME,
    PHONE,
    TEXT_SMS_IN,
    TEXT_SMS_OUT,
    TEXT_TELEGRAM_IN,
    TEXT_TELEGRAM_OUT,
    scan,
    seed_history,
)

# Stand-ins for the tickets and enrolments domains: named apart, so the real sources, once
# registered by the wiring, sit next to them.
TICKETS = MemorySource("standin_tickets", "Tickets d'accueil", "resolved_tickets", 24)
ENROLMENTS = MemorySource("standin_enrolments", "Inscriptions aux ateliers", "past_enrolments", 12)


def with_domains(runtime: Runtime) -> None:
    """The real wiring, plus stand-ins for the tickets and enrolments domains."""
    wire_domains(runtime)
    runtime.privacy.register(TICKETS)
    runtime.privacy.register(ENROLMENTS)


@pytest.fixture
async def app(engine: AsyncEngine, database_url: str) -> AsyncIterator[App]:
    import httpx

    TICKETS.rows.clear()
    ENROLMENTS.rows.clear()
    fastapi_app = create_app(
        make_settings(database_url), dispatch=False, schedule=False, wiring=with_domains
    )
    async with fastapi_app.router.lifespan_context(fastapi_app):
        transport = httpx.ASGITransport(app=fastapi_app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            yield App(fastapi_app, client)


@pytest.fixture
async def roles(sessionmaker: SessionMaker, app: App) -> dict[str, dict[str, str]]:
    return {
        role: await bearer(sessionmaker, role=role, name=f"{role}-1")
        for role in ("volunteer", "staff", "admin")
    }


async def seeded(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session, session.begin():
        history = await seed_history(session)
    person_id = history.person_id
    TICKETS.rows[person_id] = [
        {"summary": "Cherche un hébergement", "opened_at": "2026-10-02T08:30:00+00:00"}
    ]
    ENROLMENTS.rows[person_id] = [
        {"summary": "Atelier français, mardi 14h30", "opened_at": "2026-09-01T12:00:00+00:00"}
    ]
    return person_id


def section(export: dict[str, Any], name: str) -> Any:
    return next(s["data"] for s in export["sections"] if s["name"] == name)


async def test_export_json_holds_two_channels_a_ticket_and_an_enrolment(
    app: App, roles: dict[str, dict[str, str]], sessionmaker: SessionMaker
) -> None:
    person_id = await seeded(sessionmaker)
    response = await app.client.get(
        f"/api/beneficiaries/{person_id}/export", headers=roles["staff"]
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    export = response.json()
    assert export["format"] == "lien-export/1"
    names = [s["name"] for s in export["sections"]]
    assert names[:5] == ["identity", "contacts", "consent", "messages", "audit"]
    assert names[-2:] == [TICKETS.name, ENROLMENTS.name]
    assert section(export, "identity")["first_name"] == FIRST_NAME
    assert {(c["channel"], c["address"]) for c in section(export, "contacts")} == {
        ("sms", PHONE),
        ("telegram", CHAT_ID),
    }
    assert [e["kind"] for e in section(export, "consent")] == ["opt_out"] * 2 + ["opt_in"] * 2
    messages = section(export, "messages")
    assert {(m["channel"], m["direction"]) for m in messages} >= {
        ("sms", "in"),
        ("sms", "out"),
        ("telegram", "in"),
        ("telegram", "out"),
    }
    bodies = {m["body"] for m in messages}
    assert {TEXT_SMS_IN, TEXT_SMS_OUT, TEXT_TELEGRAM_IN, TEXT_TELEGRAM_OUT} <= bodies
    sent = next(m for m in messages if m["body"] == TEXT_SMS_OUT)
    assert [step["status"] for step in sent["history"]] == ["queued", "sent"]
    assert section(export, TICKETS.name)[0]["summary"] == "Cherche un hébergement"
    assert section(export, ENROLMENTS.name)[0]["summary"] == "Atelier français, mardi 14h30"


async def test_export_html_is_a_readable_french_document(
    app: App, roles: dict[str, dict[str, str]], sessionmaker: SessionMaker
) -> None:
    person_id = await seeded(sessionmaker)
    TICKETS.rows[person_id].append({"summary": "<script>alert(1)</script>", "opened_at": None})
    response = await app.client.get(
        f"/api/beneficiaries/{person_id}/export",
        params={"format": "html"},
        headers=roles["admin"],
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for expected in (
        "Relevé des données personnelles",
        "Moyens de contact",
        "Historique du consentement",
        "Messages échangés",
        "Tickets d&#39;accueil",  # escaped like every text
        "Inscriptions aux ateliers",
        "mot-clé envoyé par la personne",  # a consent source in words
        "refuse les messages",
        TEXT_TELEGRAM_IN,
        "Cherche un hébergement",
        "@media print",
    ):
        assert expected in page, expected
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert " à " in page  # dates read as "24/11/2026 à 10:00", in local time


async def test_exports_are_for_staff_and_admins_and_each_one_is_audited(
    app: App, roles: dict[str, dict[str, str]], sessionmaker: SessionMaker
) -> None:
    person_id = await seeded(sessionmaker)
    url = f"/api/beneficiaries/{person_id}/export"
    assert (await app.client.get(url, headers=roles["volunteer"])).status_code == 403
    assert (await app.client.get(url)).status_code == 401
    assert (await app.client.get(url, headers=roles["staff"])).status_code == 200
    html = await app.client.get(url, params={"format": "html"}, headers=roles["admin"])
    assert html.status_code == 200
    missing = await app.client.get("/api/beneficiaries/999999/export", headers=roles["staff"])
    assert missing.status_code == 404
    trail = await app.client.get(
        "/api/audit",
        params={"beneficiary_id": person_id, "action": "export"},
        headers=roles["admin"],
    )
    formats = sorted(e["details"]["format"] for e in trail.json())
    assert formats == ["html", "json"]
    assert all(e["staff_member_id"] is not None for e in trail.json())


async def test_erasure_by_an_admin_leaves_no_phone_or_text_anywhere(
    app: App, roles: dict[str, dict[str, str]], sessionmaker: SessionMaker
) -> None:
    person_id = await seeded(sessionmaker)
    url = f"/api/beneficiaries/{person_id}/erasure"
    assert (
        await app.client.post(url, json={"confirm": True}, headers=roles["staff"])
    ).status_code == 403
    unconfirmed = await app.client.post(url, json={"confirm": False}, headers=roles["admin"])
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.json()["detail"]
    done = await app.client.post(url, json={"confirm": True}, headers=roles["admin"])
    assert done.status_code == 200, done.text
    assert done.json()["rows"][TICKETS.name] == 1 and done.json()["rows"][ENROLMENTS.name] == 1
    assert done.json()["provider_deletions"] == 4
    assert (done.json()["beneficiary_id"], done.json()["already_erased"]) == (person_id, False)
    async with sessionmaker() as session:
        assert await scan(session) == set()
    record = (
        await app.client.get(f"/api/beneficiaries/{person_id}", headers=roles["staff"])
    ).json()
    assert record["erased_at"] is not None and record["contacts"] == []
    timeline = await app.client.get(
        f"/api/beneficiaries/{person_id}/messages", headers=roles["staff"]
    )
    assert timeline.json() and all(m["body"] is None for m in timeline.json())
    assert TICKETS.rows.get(person_id) is None and ENROLMENTS.rows.get(person_id) is None
    unknown = await app.client.post(
        "/api/beneficiaries/999999/erasure", json={"confirm": True}, headers=roles["admin"]
    )
    assert unknown.status_code == 404


async def test_consent_shows_the_state_per_channel_and_the_history_and_staff_record_one(
    app: App, roles: dict[str, dict[str, str]], sessionmaker: SessionMaker
) -> None:
    person_id = await seeded(sessionmaker)
    url = f"/api/beneficiaries/{person_id}/consent"
    shown = (await app.client.get(url, headers=roles["volunteer"])).json()
    assert {(c["channel"], c["opted_in"], c["source"]) for c in shown["channels"]} == {
        ("sms", True, "keyword"),
        ("telegram", True, "keyword"),
    }
    assert [(e["decision"], e["source"]) for e in shown["history"]] == [
        ("opt_out", "keyword"),
        ("opt_out", "keyword"),
        ("opt_in", "keyword"),
        ("opt_in", "keyword"),
    ]
    refused = await app.client.post(
        url, json={"decision": "opt_out", "channel": "telegram"}, headers=roles["volunteer"]
    )
    assert refused.status_code == 403
    changed = await app.client.post(
        url, json={"decision": "opt_out", "channel": "telegram"}, headers=roles["staff"]
    )
    assert changed.status_code == 200, changed.text
    states = {c["channel"]: c for c in changed.json()["channels"]}
    assert states["telegram"]["opted_in"] is False and states["telegram"]["source"] == "staff"
    assert states["sms"]["opted_in"] is True
    last = changed.json()["history"][-1]
    assert (last["channel"], last["decision"], last["source"]) == ("telegram", "opt_out", "staff")
    no_channel = await app.client.post(
        url, json={"decision": "opt_in", "channel": "simulator"}, headers=roles["staff"]
    )
    assert no_channel.status_code == 422


async def test_the_api_records_the_same_consent_sources_as_the_console(
    app: App, roles: dict[str, dict[str, str]], sessionmaker: SessionMaker
) -> None:
    person_id = await seeded(sessionmaker)
    url = f"/api/beneficiaries/{person_id}/consent"
    for source in TOLD_STAFF:
        told = await app.client.post(
            url,
            json={"decision": "opt_in", "channel": "sms", "source": source},
            headers=roles["staff"],
        )
        assert told.status_code == 200, told.text
        last = told.json()["history"][-1]
        assert (last["channel"], last["source"]) == ("sms", source)
    unknown = await app.client.post(
        url, json={"decision": "opt_in", "source": "keyword"}, headers=roles["staff"]
    )
    assert unknown.status_code == 422 and "source inconnue" in unknown.text


async def test_retention_settings_are_read_checked_and_changed_by_admins_only(
    app: App, roles: dict[str, dict[str, str]]
) -> None:
    url = "/api/privacy/retention"
    assert (await app.client.get(url, headers=roles["staff"])).status_code == 403
    current = (await app.client.get(url, headers=roles["admin"])).json()
    assert current["months"]["message_bodies"] == 12
    assert current["months"]["inactive_people"] == 24
    assert current["defaults"]["resolved_tickets"] == 24  # a domain's kind, from its source
    wrong = await app.client.put(
        url, json={"months": {"message_bodies": 0}}, headers=roles["admin"]
    )
    assert wrong.status_code == 422 and "entre 1 et 600" in wrong.json()["detail"]
    unknown = await app.client.put(url, json={"months": {"photos": 3}}, headers=roles["admin"])
    assert unknown.status_code == 422 and "inconnu" in unknown.json()["detail"]
    changed = await app.client.put(
        url, json={"months": {"message_bodies": 6, "resolved_tickets": 36}}, headers=roles["admin"]
    )
    assert changed.status_code == 200
    again = (await app.client.get(url, headers=roles["admin"])).json()
    assert again["months"]["message_bodies"] == 6 and again["months"]["resolved_tickets"] == 36
    trail = await app.client.get(
        "/api/audit", params={"action": "retention_settings"}, headers=roles["admin"]
    )
    assert [e["details"]["months"] for e in trail.json()] == [
        {"message_bodies": 6, "resolved_tickets": 36}
    ]
    preview = await app.client.get("/api/privacy/purge-preview", headers=roles["admin"])
    assert preview.status_code == 200 and "message_bodies" in preview.json()["counts"]
    counts = await app.client.get("/api/privacy/counts", headers=roles["admin"])
    assert counts.status_code == 200 and counts.json() == []
