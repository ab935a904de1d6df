from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from db.base import utcnow
from db.models import Message
from db.session import SessionMaker
from notifications.school_holidays import official_until
from tests.clock import clear_weekday
from tests.factories import create_person, create_site
from tests.lien.conftest import App, bearer

FIRST_TUESDAYS: dict[str, Any] = {
    "site": "nimes-accueil",
    "kind": "workshop",
    "texts": {"fr": {"title": "Atelier couture"}, "ar": {"title": "ورشة خياطة"}},
    "place": "Salle 1",
    "start": "2026-12-01T14:30:00",
    "end": "2026-12-01T16:30:00",
    "pattern": {"frequency": "monthly", "weekdays": [1], "week_of_month": 1, "until": "2027-11-30"},
    "skip_school_holidays": True,
}


def next_weekday(weekday: int, *, after_days: int = 10) -> date:
    return clear_weekday(weekday, after=(utcnow() + timedelta(days=after_days)).date())


async def prepare(sessionmaker: SessionMaker, phones: int = 0) -> list[int]:
    """Create the zone C site and people with phones +3361200000N."""
    async with sessionmaker() as session, session.begin():
        site = await create_site(session)
        site.school_zone = "C"
        people = [
            await create_person(session, site=site, first_name=f"P{i}", phone=f"+3361200000{i}")
            for i in range(phones)
        ]
        return [p.id for p in people]


def soon(capacity: int | None = None, weekday: int = 3) -> dict[str, Any]:
    day = next_weekday(weekday)
    return {
        "site": "nimes-accueil",
        "kind": "distribution",
        "texts": {"fr": {"title": "Colis alimentaires"}},
        "start": datetime.combine(day, time(9, 0)).isoformat(),
        "end": datetime.combine(day, time(11, 0)).isoformat(),
        "rrule": "FREQ=WEEKLY;COUNT=4",
        "capacity": capacity,
    }


async def test_every_events_route_needs_a_token_and_some_the_staff_role(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    calls = [
        ("GET", "/api/events"),
        ("POST", "/api/events"),
        ("GET", "/api/events/1"),
        ("PATCH", "/api/events/1"),
        ("GET", "/api/events/1/occurrences"),
        ("POST", "/api/events/1/occurrences/cancel"),
        ("POST", "/api/events/1/occurrences/move"),
        ("GET", "/api/events/1/enrollments"),
        ("POST", "/api/events/1/enrollments"),
        ("DELETE", "/api/events/1/enrollments/1"),
        ("GET", "/api/events/calendar.ics?site=x"),
        ("GET", "/api/events/calendar-link?site=x"),
        ("GET", "/api/occurrences/1"),
        ("PUT", "/api/occurrences/1/attendance"),
        ("PUT", "/api/occurrences/1/rsvp"),
        ("POST", "/api/mail/arrived"),
        ("GET", "/api/mail?beneficiary_id=1"),
        ("GET", "/api/beneficiaries/1/activities"),
    ]
    for method, path in calls:
        response = await lien_app.client.request(method, path, json={})
        assert response.status_code == 401, (method, path)
    await prepare(sessionmaker)
    volunteer = await bearer(sessionmaker, role="volunteer", name="Bénévole")
    refused = await lien_app.client.post("/api/events", json=soon(), headers=volunteer)
    assert refused.status_code == 403


async def test_create_a_monthly_workshop_and_list_its_sessions(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await prepare(sessionmaker)
    client = lien_app.client
    created = await client.post("/api/events", json=FIRST_TUESDAYS, headers=staff_headers)
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["rrule"] == "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20271130T235959"
    assert event["pattern"]["week_of_month"] == 1 and event["reminders"] == ["J-2@10:00", "H-2"]
    listed = await client.get(
        f"/api/events/{event['id']}/occurrences",
        params={"start": "2026-12-01T00:00:00", "end": "2027-12-01T00:00:00"},
        headers=staff_headers,
    )
    assert [o["local_start"] for o in listed.json()] == [
        "2026-12-01T14:30",
        "2027-01-05T14:30",
        "2027-02-02T14:30",
        "2027-03-02T14:30",
        "2027-05-04T14:30",
        "2027-06-01T14:30",
        "2027-09-07T14:30",
        "2027-10-05T14:30",
    ]
    summer = listed.json()[4]
    assert summer["start"].startswith("2027-05-04T12:30")  # UTC, summer time
    patched = await client.patch(
        f"/api/events/{event['id']}",
        json={"capacity": None, "reminders": ["J-1@18:00"]},
        headers=staff_headers,
    )
    assert patched.json()["reminders"] == ["J-1@18:00"] and patched.json()["capacity"] is None


async def test_bad_events_get_a_clear_4xx(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await prepare(sessionmaker)
    client = lien_app.client
    cases = [
        ({"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=0"}, 422, "nombre de séances"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31;COUNT=2"}, 422, "aucune séance"),
        ({"end": soon()["start"]}, 422, "fin doit être après"),
        ({"site": "lyon"}, 422, "site inconnu : « lyon »"),
        ({"pattern": {"frequency": "weekly", "weekdays": [1], "count": 3}}, 422, "soit"),
        ({"reminders": ["bientôt"]}, 422, "rappel illisible"),
        ({"timezone": "Mars/Olympus"}, 422, "fuseau horaire inconnu"),
    ]
    for change, code, words in cases:
        response = await client.post(
            "/api/events", json={**soon(), **change}, headers=staff_headers
        )
        assert response.status_code == code, (change, response.text)
        assert words in response.json()["detail"], (change, response.json())
    missing = await client.get("/api/events/999999", headers=staff_headers)
    assert missing.status_code == 404 and "introuvable" in missing.json()["detail"]
    no_zone = await client.post(
        "/api/events",
        json={**soon(), "site": "accueil", "skip_school_holidays": True},
        headers=staff_headers,
    )
    assert no_zone.status_code == 422 and "zone de vacances" in no_zone.json()["detail"]


async def test_enrol_by_phone_wait_withdraw_and_see_the_session(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    ids = await prepare(sessionmaker, phones=3)
    client = lien_app.client
    event = (await client.post("/api/events", json=soon(capacity=2), headers=staff_headers)).json()
    enrolled = await client.post(
        f"/api/events/{event['id']}/enrollments",
        json={"phones": ["06 12 00 00 00", "0612000001", "12"], "beneficiary_ids": [ids[2]]},
        headers=staff_headers,
    )
    lines = enrolled.json()
    assert [(line["status"], line["beneficiary_id"]) for line in lines] == [
        ("enrolled", ids[2]),
        ("enrolled", ids[0]),
        ("waitlisted", ids[1]),
        ("refused", None),
    ]
    assert "invalide" in (lines[3]["detail"] or "")
    withdrawn = await client.delete(
        f"/api/events/{event['id']}/enrollments/{ids[0]}", headers=staff_headers
    )
    assert withdrawn.json() == {"promoted": [ids[1]]}
    again = await client.delete(
        f"/api/events/{event['id']}/enrollments/{ids[0]}", headers=staff_headers
    )
    assert again.status_code == 409
    listed = await client.get(f"/api/events/{event['id']}/enrollments", headers=staff_headers)
    assert [(e["beneficiary_id"], e["status"]) for e in listed.json()] == [
        (ids[2], "enrolled"),
        (ids[1], "enrolled"),
        (ids[0], "withdrawn"),
    ]
    # Several people sent at once are a list, not an import of the user file.
    assert {e["source"] for e in listed.json()} == {"list"}
    first = await client.get(f"/api/events/{event['id']}/occurrences", headers=staff_headers)
    occurrence_id = first.json()[0]["id"]
    answered = await client.put(
        f"/api/occurrences/{occurrence_id}/rsvp",
        json={"beneficiary_id": ids[1], "coming": True},
        headers=staff_headers,
    )
    assert answered.json() == {"outcome": "confirmed"}
    roster = (await client.get(f"/api/occurrences/{occurrence_id}", headers=staff_headers)).json()
    assert (roster["confirmed"], roster["declined"], roster["no_answer"]) == (1, 0, 1)
    assert {r["status"] for p in roster["people"] for r in p["reminders"]} == {"planned"}
    assert {r["offset"] for p in roster["people"] for r in p["reminders"]} == set(
        event["reminders"]
    )
    early = await client.put(
        f"/api/occurrences/{occurrence_id}/attendance",
        json={"present": [ids[1]]},
        headers=staff_headers,
    )
    assert early.status_code == 409
    record = await client.get(f"/api/beneficiaries/{ids[1]}/activities", headers=staff_headers)
    assert [(e["title"], e["status"]) for e in record.json()["lists"]] == [
        ("Colis alimentaires", "enrolled")
    ]
    assert [(s["occurrence_id"], s["response"]) for s in record.json()["sessions"]] == [
        (occurrence_id, "yes")
    ]
    nobody = await client.get("/api/beneficiaries/999999/activities", headers=staff_headers)
    assert nobody.status_code == 404


async def test_cancel_and_move_tell_the_enrolled(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    ids = await prepare(sessionmaker, phones=2)
    client = lien_app.client
    event = (await client.post("/api/events", json=soon(), headers=staff_headers)).json()
    await client.post(
        f"/api/events/{event['id']}/enrollments",
        json={"beneficiary_ids": ids},
        headers=staff_headers,
    )
    first, second, *_ = (
        await client.get(f"/api/events/{event['id']}/occurrences", headers=staff_headers)
    ).json()
    cancelled = await client.post(
        f"/api/events/{event['id']}/occurrences/cancel",
        json={"original_start": first["original_start"], "reason": "salle prise"},
        headers=staff_headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (
        cancelled.json()["notified"] == 2
        and cancelled.json()["occurrence"]["status"] == "cancelled"
    )
    twice = await client.post(
        f"/api/events/{event['id']}/occurrences/cancel",
        json={"original_start": first["original_start"]},
        headers=staff_headers,
    )
    assert twice.status_code == 409
    new_start = datetime.fromisoformat(second["local_start"]) + timedelta(days=1)
    moved = await client.post(
        f"/api/events/{event['id']}/occurrences/move",
        json={"original_start": second["original_start"], "new_start": new_start.isoformat()},
        headers=staff_headers,
    )
    assert moved.json()["occurrence"]["local_start"] == new_start.isoformat(timespec="minutes")
    not_a_session = await client.post(
        f"/api/events/{event['id']}/occurrences/cancel",
        json={"original_start": "2020-01-01T10:00:00Z"},
        headers=staff_headers,
    )
    assert not_a_session.status_code == 404
    async with sessionmaker() as session:
        kinds = (
            await session.execute(select(Message.origin_kind).where(Message.direction == "out"))
        ).scalars()
        assert sorted(kinds) == ["enrollment"] * 2 + ["session_change"] * 4


def _unstamped(feed: str) -> list[str]:
    return [line for line in feed.splitlines() if not line.startswith("DTSTAMP")]


async def test_calendar_feed_with_a_token_or_a_private_link(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await prepare(sessionmaker)
    client = lien_app.client
    await client.post("/api/events", json=soon(), headers=staff_headers)
    feed = await client.get(
        "/api/events/calendar.ics", params={"site": "nimes-accueil"}, headers=staff_headers
    )
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.count("BEGIN:VEVENT") == 4
    link = (
        await client.get(
            "/api/events/calendar-link", params={"site": "nimes-accueil"}, headers=staff_headers
        )
    ).json()["url"]
    public = await client.get(link)
    assert public.status_code == 200
    # Each feed is stamped with the time it was written (DTSTAMP): two reads may span a second.
    assert _unstamped(public.text) == _unstamped(feed.text)
    forged = await client.get("/calendar/nimes-accueil.ics?key=0000")
    assert forged.status_code == 403


async def test_mail_arrived_twice_sends_one_message(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    (person,) = await prepare(sessionmaker, phones=1)
    client = lien_app.client
    first = await client.post(
        "/api/mail/arrived", json={"beneficiary_id": person}, headers=staff_headers
    )
    second = await client.post(
        "/api/mail/arrived", json={"beneficiary_id": person}, headers=staff_headers
    )
    assert (first.json()["first_today"], second.json()["first_today"]) == (True, False)
    assert second.json()["marks"] == 2 and second.json()["message_id"] == first.json()["message_id"]
    unknown = await client.post(
        "/api/mail/arrived", json={"beneficiary_id": 999999}, headers=staff_headers
    )
    assert unknown.status_code == 404
    history = await client.get(
        "/api/mail", params={"beneficiary_id": person}, headers=staff_headers
    )
    assert [n["marks"] for n in history.json()] == [2]


async def test_a_person_enrols_by_message_through_the_running_gateway(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    assert "notifications" in lien_app.runtime.router.names
    assert "notifications" in [job.name for job in lien_app.runtime.jobs]
    client = lien_app.client
    created = await client.post(
        "/api/events", json={**soon(capacity=5), "site": "accueil"}, headers=staff_headers
    )
    assert created.status_code == 201, created.text

    async def say(text: str) -> dict[str, Any]:
        answer = await client.post(
            "/api/simulator/messages",
            json={"from": "0612000009", "text": text},
            headers=staff_headers,
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    menu = await say("ACTIVITES")
    assert menu["handled_by"] == "notifications"
    assert menu["replies"][0]["text"].startswith("Prochaines activités :")
    assert menu["replies"][0]["choices"][0][1].startswith("Colis alimentaires, ")
    enrolled = await say("1")
    assert enrolled["replies"][0]["text"].startswith(
        "Votre inscription à Colis alimentaires est enregistrée. Prochaine séance : "
    )
    listed = await client.get(f"/api/events/{created.json()['id']}", headers=staff_headers)
    assert listed.json()["enrolled"] == 1


async def test_an_event_past_the_published_school_calendar_warns_staff(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    await prepare(sessionmaker)
    later = max(utcnow().date(), official_until()) + timedelta(days=30)
    first = clear_weekday(2, after=later)
    body = {
        **soon(),
        "start": datetime.combine(first, time(9, 0)).isoformat(),
        "end": datetime.combine(first, time(11, 0)).isoformat(),
        "rrule": "FREQ=WEEKLY;COUNT=20",  # some weeks are school holidays, not all
        "skip_school_holidays": True,
    }
    created = await lien_app.client.post("/api/events", json=body, headers=staff_headers)
    assert created.status_code == 201, created.text
    (warning,) = created.json()["warnings"]
    assert warning.startswith("vacances scolaires inconnues après le")
    assert f"{official_until():%d/%m/%Y}" in warning
    plain = await lien_app.client.post("/api/events", json=soon(), headers=staff_headers)
    assert plain.json()["warnings"] == []
