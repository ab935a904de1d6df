"""The events pages: the recurrence form, the week's calendar, cancelling or moving a session."""

from __future__ import annotations

import re
from datetime import date, timedelta

import holidays
from sqlalchemy import select

from db.clock import utcnow
from db.models import Event, Occurrence
from db.session import SessionMaker
from tests.factories import create_site
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as


def next_monday() -> date:
    today = utcnow().date()
    return today + timedelta(days=7 - today.weekday())


def tuesdays_and_thursdays(first: date, days: int) -> int:
    """Count the working Tuesdays and Thursdays from `first` on, as the form's series keeps them."""
    closed = holidays.country_holidays("FR", years=range(first.year, first.year + 2))
    span = (first + timedelta(days=n) for n in range(days))
    return sum(1 for day in span if day.weekday() in (1, 3) and day not in closed)


def weekly_form(token: str, **overrides: object) -> dict[str, object]:
    first = next_monday()
    return {
        "csrf_token": token,
        "site": "nimes-accueil",
        "kind": "workshop",
        "title": "Atelier français",
        "description": "",
        "place": "Salle 2",
        "first_date": first.isoformat(),
        "start": "14:30",
        "end": "16:30",
        "capacity": "12",
        "repeat": "weekly",
        "weekdays": ["1", "3"],
        "interval": "1",
        "week_of_month": "1",
        "until": (first + timedelta(days=20)).isoformat(),
        "skip_public_holidays": "on",
        **overrides,
    }


async def test_staff_create_a_weekly_event_and_see_its_sessions_in_the_calendar(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/events/new")).text)
    created = await client.post("/events/new", data=weekly_form(token))
    assert created.status_code == 303, created.text
    event_page = await client.get(created.headers["location"])
    assert "Atelier français" in event_page.text
    monday = next_monday()
    # Tue and Thu for three weeks, less the public holidays among them.
    assert event_page.text.count("Annuler la séance") == tuesdays_and_thursdays(monday, 21)
    week = await client.get(f"/events?site=nimes-accueil&week={monday.isoformat()}")
    assert week.text.count('class="session-line"') == tuesdays_and_thursdays(monday, 7)
    assert "14:30–16:30" in week.text
    async with sessionmaker() as session:
        event = await session.scalar(select(Event))
        assert event is not None and "BYDAY=TU,TH" in event.rrule and event.capacity == 12


async def test_the_form_explains_each_mistake_in_french(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/events/new")).text)
    refused = await client.post(
        "/events/new",
        data=weekly_form(
            token, title="", end="13:00", weekdays=[], until="", capacity="0", first_date="demain"
        ),
    )
    assert refused.status_code == 422
    assert error_of(refused.text, "title") == "Ce champ est obligatoire."
    assert error_of(refused.text, "end") == "L'heure de fin doit être après l'heure de début."
    assert error_of(refused.text, "weekdays") == "Choisissez au moins un jour de la semaine."
    assert error_of(refused.text, "until") == "Indiquez jusqu'à quand la série se répète."
    assert error_of(refused.text, "first_date") == "Date attendue au format JJ/MM/AAAA."
    assert "Nombre de places" in error_of(refused.text, "capacity")
    monthly = await client.post(
        "/events/new", data=weekly_form(token, repeat="monthly", weekdays=["1", "2"])
    )
    assert "un seul jour" in error_of(monthly.text, "weekdays")
    school = await client.post("/events/new", data=weekly_form(token, skip_school_holidays="on"))
    assert school.status_code == 422 and "vacances scolaires" in school.text
    async with sessionmaker() as session:
        assert await session.scalar(select(Event)) is None


async def test_a_session_is_cancelled_or_moved_after_a_confirmation(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/events/new")).text)
    created = await client.post("/events/new", data=weekly_form(token))
    event_path = created.headers["location"]
    page = (await client.get(event_path)).text
    starts = re.findall(r"change\?start=([^&\"]+)&amp;action=cancel", page)
    first, second = starts[0], starts[1]
    confirm = await client.get(f"{event_path}/change?start={first}&action=cancel")
    assert "Confirmer l&#39;annulation" in confirm.text.replace("'", "&#39;")
    cancelled = await client.post(
        f"{event_path}/change?start={first}&action=cancel",
        data={"csrf_token": token, "reason": "Salle fermée", "notify": "on"},
    )
    assert cancelled.status_code == 303
    again = await client.post(
        f"{event_path}/change?start={first}&action=cancel", data={"csrf_token": token}
    )
    assert again.status_code == 422 and "déjà annulée" in again.text
    past = await client.post(
        f"{event_path}/change?start={second}&action=move",
        data={"csrf_token": token, "new_date": "2020-01-01", "new_time": "10:00"},
    )
    assert error_of(past.text, "new_date") == "Le nouvel horaire est déjà passé."
    later = (next_monday() + timedelta(days=5)).isoformat()
    moved = await client.post(
        f"{event_path}/change?start={second}&action=move",
        data={"csrf_token": token, "new_date": later, "new_time": "10:00"},
    )
    assert moved.status_code == 303
    async with sessionmaker() as session:
        states = (await session.scalars(select(Occurrence.status))).all()
    assert sorted(s for s in states if s != "scheduled") == ["cancelled", "moved"]


async def test_volunteers_see_the_calendar_but_not_the_forms(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    client = lien_app.client
    calendar = await client.get("/events")
    assert calendar.status_code == 200 and "Créer un événement" not in calendar.text
    assert (await client.get("/events/new")).status_code == 403
    assert (await client.get("/events/1/change?start=2030-01-01T10:00:00")).status_code == 403
