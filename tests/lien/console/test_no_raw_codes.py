"""No console page, nor the document given to a person, shows a raw code such as
`no_shelter_tonight`: every code reaches people as words."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from db.base import utcnow
from db.models import Beneficiary, ImportJob, TriageTicket
from db.session import SessionMaker
from lien.console.routing import console_routes
from tests.factories import create_site
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, signed_in_as

NEWCOMER = "+33612000077"
# The accueil by the simulator: greeting, French, first name, shelter, nowhere tonight, adult.
WALK = ("Bonjour", "1", "Amina", "1", "2", "2")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Codes of other shapes: audit actions ("beneficiary.update"), sources ("simulator:stop").
DOTTED = re.compile(r"(?<![@\w.])[a-z]+[.:][a-z_]+\b")
# Pages that need what the walk does not make (a session, a directory entry's id…).
SKIPPED = {"console.event", "console.event_session", "console.session_change",
           "console.broadcast", "console.broadcast_progress", "console.broadcast_export",
           "console.directory_entry", "console.login",
           # A file people sent: its bytes, no page (tests/lien/console/test_attachments.py).
           "console.attachment",
           # Interpreters see the texts with their placeholders ({first_name}), kept verbatim.
           "console.translations"}  # fmt: skip


def visible_text(page: str) -> str:
    """Return what a person reads: no tags, no scripts, no attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def test_no_page_shows_a_raw_code_for_a_demo_person(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        site = await create_site(session)
        # A large import, done: its page shows the report.
        upload = ImportJob(
            organisation_id=site.organisation_id,
            default_site_id=site.id,
            filename="Usagers 2025.xlsx",
            status="done",
            total=0,
            heartbeat_at=utcnow(),
            created_at=utcnow(),
        )
        session.add(upload)
    member = await signed_in_as(lien_app, sessionmaker, "admin")
    client = lien_app.client
    token = csrf_of((await client.get("/simulator")).text)
    for text in WALK:
        sent = await client.post(
            "/simulator", data={"csrf_token": token, "sender": NEWCOMER, "text": text}
        )
        assert sent.status_code in (200, 303), sent.text
    async with sessionmaker() as session:
        person = await session.scalar(select(Beneficiary).where(Beneficiary.first_name == "Amina"))
        assert person is not None
        ticket = await session.scalar(select(TriageTicket))
        assert ticket is not None and ticket.directory_entries  # the walk sent them to services
    ids = {"beneficiary_id": person.id, "ticket_id": ticket.id, "import_id": upload.id}
    edit = await client.get(f"/beneficiaries/{person.id}/edit")
    form = {"csrf_token": csrf_of(edit.text), "first_name": "Amina", "last_name": "",
            "language": "fr", "site": "nimes-accueil", "preferred_channel": "",
            "tags": "isolé, à risque"}  # fmt: skip
    await client.post(f"/beneficiaries/{person.id}/edit", data=form)
    await client.post("/simulator", data={"csrf_token": token, "sender": NEWCOMER, "text": "STOP"})

    found: dict[str, list[str]] = {}
    for route in console_routes(lien_app.app):
        if "GET" not in (route.methods or ()) or route.name in SKIPPED:
            continue
        path = route.path_format.format(**{k: v for k, v in ids.items() if k in route.path})
        page = await client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        if page.headers["content-type"].startswith("text/html") and page.text:
            text = visible_text(page.text)
            found[path] = sorted(set(SNAKE.findall(text) + DOTTED.findall(text)))
    # Services by their names, not the directory's ids ("siao-115").
    shown = visible_text((await client.get(f"/triage/{ticket.id}")).text)
    assert "Orienté vers" in shown
    assert [entry for entry in ticket.directory_entries if entry in shown] == []
    document = await client.get(f"/beneficiaries/{person.id}/export?format=html")
    text = visible_text(document.text)
    found["export document"] = sorted(set(SNAKE.findall(text) + DOTTED.findall(text)))
    assert {path: codes for path, codes in found.items() if codes} == {}
    assert member.name  # signed in throughout
