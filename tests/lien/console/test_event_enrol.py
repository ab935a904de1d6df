"""Enrolling an audience in an event at once, then seeing each session's planned reminders."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.base import utcnow
from db.models import Enrollment, Event, Occurrence
from db.session import SessionMaker
from notifications.service import EventSpec, create_event
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, signed_in_as
from tests.lien.console.test_broadcasts import seed_user_file


async def seed_workshop(sessionmaker: SessionMaker) -> Event:
    """A weekly workshop in Lézignan, its first session five days from now at 14:30."""
    start = (utcnow().astimezone(ZoneInfo("Europe/Paris")) + timedelta(days=5)).replace(
        hour=14, minute=30, second=0, microsecond=0, tzinfo=None
    )
    async with sessionmaker() as session, session.begin():
        return await create_event(
            session,
            spec=EventSpec(
                site_slug="lezignan",
                kind="workshop",
                texts={"fr": {"title": "Atelier couture"}},
                dtstart_local=start,
                duration=timedelta(hours=2),
                rrule="FREQ=WEEKLY;COUNT=3",
                place="Salle 1",
            ),
        )


async def test_an_audience_is_enrolled_at_once_and_its_reminders_are_shown(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await seed_user_file(sessionmaker)
    event = await seed_workshop(sessionmaker)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    page = await client.get(f"/events/{event.id}")
    assert "Inscrire ce public" in page.text
    token = csrf_of(page.text)
    nobody = await client.post(f"/events/{event.id}/enrol", data={"csrf_token": token})
    assert "personne n'a été inscrit" in html.unescape(
        (await client.get(nobody.headers["location"])).text
    )

    enrolled = await client.post(
        f"/events/{event.id}/enrol",
        data={"csrf_token": token, "sites": "lezignan", "tags": "isole", "phones": "+33612340005"},
    )
    assert enrolled.status_code == 303
    shown = html.unescape((await client.get(f"/events/{event.id}")).text)
    assert "Inscriptions : 3, liste d'attente : 0, déjà inscrites : 0, refusées : 0." in shown
    async with sessionmaker() as session:
        people = list(await session.scalars(select(Enrollment.beneficiary_id)))
        first = await session.scalar(
            select(Occurrence).where(Occurrence.event_id == event.id).order_by(Occurrence.start)
        )
    assert len(people) == 3 and first is not None
    again = await client.post(
        f"/events/{event.id}/enrol", data={"csrf_token": token, "tags": "isole"}
    )
    # Every isolated person of the association this time: Ahmad of Nîmes is the new one.
    assert "Inscriptions : 1, liste d'attente : 0, déjà inscrites : 2" in html.unescape(
        (await client.get(again.headers["location"])).text
    )

    roster = (await client.get(f"/events/sessions/{first.id}")).text
    for name in ("Josette", "Nadia", "Manuel", "Ahmad"):
        assert name in roster
    assert len(re.findall(r'data-reminder="J-2@10:00"', roster)) == 4
    assert len(re.findall(r'data-reminder="H-2"', roster)) == 4
    assert roster.count("· prévu") == 8


async def test_every_session_of_a_long_series_can_be_reached_page_by_page(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await seed_user_file(sessionmaker)
    start = (utcnow().astimezone(ZoneInfo("Europe/Paris")) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0, tzinfo=None
    )
    async with sessionmaker() as session, session.begin():
        event = await create_event(
            session,
            spec=EventSpec(
                site_slug="lezignan",
                kind="distribution",
                texts={"fr": {"title": "Colis"}},
                dtstart_local=start,
                duration=timedelta(hours=1),
                rrule="FREQ=WEEKLY;COUNT=20",
            ),
        )
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    seen = 0
    page = 0
    while True:
        shown = (await client.get(f"/events/{event.id}?page={page}")).text
        seen += shown.count("Annuler la séance")
        if "Séances suivantes" not in shown:
            break
        page += 1
    # Twenty weekly sessions: eight per page of eight weeks, every one reachable.
    assert (seen, page) == (20, 2)
    assert "Séances précédentes" in shown
    refused = await client.get(f"/events/{event.id}?page=999", headers={"Accept": "text/html"})
    assert refused.status_code == 422 and "Adresse incorrecte" in refused.text
