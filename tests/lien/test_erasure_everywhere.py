"""A person reached through every path of Lien, erased: no table, and not the file, keeps them."""

from __future__ import annotations

import html
import json
import sqlite3
from contextlib import closing
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from db.base import utcnow
from db.models import (
    BroadcastRecipient,
    BroadcastReply,
    Conversation,
    Message,
    TicketNote,
    TriageTicket,
)
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from lien.wiring import fan_out_broadcasts
from tests.lien.conftest import App, bearer
from tests.lien.people import SmsPerson
from tests.personal_data import scan

PHONE = "+33611223344"
PHONE_DIGITS = "611223344"
FIRST_NAME = "Yordanos"
LAST_NAME = "Tesfamariam"
EMAIL = "yordanos.t@example.net"
NOTE = "demande d'asile en cours, adresse 12 rue Clérisseau"
FREE_TEXT = "je dors sous le pont Gisquet"
REPLY = "merci je viendrai avec Abrehet"
NEEDLES = (PHONE_DIGITS, FIRST_NAME, LAST_NAME, EMAIL, "Clérisseau", "Gisquet", "Abrehet")


async def _api(app: App, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    response = await app.client.request(method, path, headers=headers, **kw)
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response.json() if response.content else None


def _next_thursday() -> date:
    day = (utcnow() + timedelta(days=10)).date()
    return day + timedelta(days=(3 - day.weekday()) % 7)


async def _reach_through_every_path(
    app: App, provider: FakeProviderServer, sessionmaker: SessionMaker
) -> int:
    staff = await bearer(sessionmaker, role="staff", name="Claire")
    person = SmsPerson(app, provider, phone=PHONE)
    for said in ("Bonjour", "1", FIRST_NAME, "0"):  # accueil, then asks for a person
        await person.say(said)
    await person.say(FREE_TEXT)
    (found,) = await _api(app, "GET", "/api/beneficiaries", staff, params={"phone": PHONE})
    person_id = int(found["id"])
    (ticket,) = await _api(app, "GET", "/api/tickets", staff, params={"beneficiary_id": person_id})
    await _api(app, "POST", f"/api/tickets/{ticket['id']}/notes", staff, json={"text": NOTE})
    await _api(
        app, "PATCH", f"/api/beneficiaries/{person_id}", staff, json={"last_name": LAST_NAME}
    )
    csv = f"Nom;Prénom;Téléphone;Courriel\n{LAST_NAME};{FIRST_NAME};06 11 22 33 44;{EMAIL}\n"
    await _api(
        app,
        "POST",
        "/api/imports/beneficiaries",
        staff,
        files={"file": ("usagers.csv", csv.encode(), "text/csv")},
        data={"organisation": "default"},
    )
    day = _next_thursday()
    event = await _api(
        app,
        "POST",
        "/api/events",
        staff,
        json={
            "site": "accueil",
            "kind": "workshop",
            "texts": {"fr": {"title": "Atelier français"}},
            "start": datetime.combine(day, time(14, 30)).isoformat(),
            "end": datetime.combine(day, time(16, 30)).isoformat(),
            "rrule": "FREQ=WEEKLY;COUNT=2",
        },
    )
    await _api(
        app,
        "POST",
        f"/api/events/{event['id']}/enrollments",
        staff,
        json={"beneficiary_ids": [person_id]},
    )
    await _api(app, "POST", "/api/mail/arrived", staff, json={"beneficiary_id": person_id})
    broadcast = await _api(
        app,
        "POST",
        "/api/broadcasts",
        staff,
        json={
            "organisation": "default",
            "title": "Fermeture",
            "texts": {"fr": "Bonjour {prénom}, le centre est fermé demain."},
            "audience": {},
            "urgent": True,
            "stop_notice": False,
        },
    )
    await _api(app, "POST", f"/api/broadcasts/{broadcast['id']}/send", staff)
    async with sessionmaker() as session, session.begin():
        await fan_out_broadcasts(session, utcnow())
        # As the dispatcher would once the provider took it: a reply then counts as one.
        await session.execute(
            update(Message)
            .where(Message.origin_kind == "broadcast")
            .values(status="sent", sent_at=utcnow())
        )
    await person.say(REPLY)
    return person_id


async def _count(sessionmaker: SessionMaker, model: Any, person_id: int) -> int:
    async with sessionmaker() as session:
        found = await session.scalar(
            select(func.count()).select_from(model).where(model.beneficiary_id == person_id)
        )
    return int(found or 0)


async def test_erasure_leaves_nothing_of_the_person_in_any_table_or_in_the_file(
    provider_app: App,
    fake_provider: FakeProviderServer,
    sessionmaker: SessionMaker,
    database_url: str,
) -> None:
    person_id = await _reach_through_every_path(provider_app, fake_provider, sessionmaker)
    admin = await bearer(sessionmaker, role="admin", name="Direction")
    async with sessionmaker() as session:
        before = await scan(session, NEEDLES)
        notes = await session.scalar(select(func.count()).select_from(TicketNote))
    assert {needle for _, needle in before} == set(NEEDLES), before  # the scan can fail
    assert notes == 1
    for model in (Conversation, TriageTicket, BroadcastRecipient, BroadcastReply):
        assert await _count(sessionmaker, model, person_id) > 0, model.__name__

    export = await _api(provider_app, "GET", f"/api/beneficiaries/{person_id}/export", admin)
    exported = json.dumps(export, ensure_ascii=False)
    for needle in (NOTE, FREE_TEXT, REPLY, FIRST_NAME, LAST_NAME):
        assert needle in exported, needle
    document = await provider_app.client.get(
        f"/api/beneficiaries/{person_id}/export", params={"format": "html"}, headers=admin
    )
    for french in ("Accueil : conversations et tickets", "note de l'équipe", "Fermeture"):
        assert french in html.unescape(document.text), french

    await _api(
        provider_app,
        "POST",
        f"/api/beneficiaries/{person_id}/erasure",
        admin,
        json={"confirm": True},
    )

    async with sessionmaker() as session:
        assert await scan(session, NEEDLES) == set()
        open_tickets = await session.scalar(
            select(func.count())
            .select_from(TriageTicket)
            .where(TriageTicket.beneficiary_id == person_id, TriageTicket.status != "resolved")
        )
    assert open_tickets == 0
    (ticket,) = await _api(
        provider_app,
        "GET",
        "/api/tickets",
        admin,
        params={"beneficiary_id": person_id, "status": "resolved"},
    )
    shown = await _api(provider_app, "GET", f"/api/tickets/{ticket['id']}", admin)
    assert NOTE not in json.dumps(shown, ensure_ascii=False)
    assert await _api(provider_app, "GET", "/api/tickets", admin) == []
    if database_url.startswith("sqlite"):
        assert _in_file(database_url) == []


def _in_file(database_url: str) -> list[str]:
    path = Path(database_url.split(":///", 1)[1])
    # Outside the app's connections, which open every transaction with BEGIN IMMEDIATE.
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return [n for n in NEEDLES if n.encode() in stored]
