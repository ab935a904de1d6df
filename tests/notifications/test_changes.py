from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, Site
from notifications.changes import cancel_occurrence, move_occurrence, occurrence_at
from notifications.feed import site_feed
from notifications.schedule import materialise_event
from notifications.service import list_occurrences
from notifications.states import SKIP_CANCELLED, Conflict, NotFound
from notifications.tasks import tick
from tests.notifications.conftest import (
    enroll_all,
    occurrences,
    outgoing,
    people,
    reminders,
    utc,
    workshop,
    zone_c_site,
)

J2 = utc(2026, 11, 24, 9, 0)
LATER = utc(2026, 11, 24, 10, 0)


async def weekly(session: AsyncSession) -> tuple[Event, list[int]]:
    site = await zone_c_site(session)
    event = await workshop(session, site=site, rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=10")
    persons = await people(session, 2, site=site)
    persons += await people(session, 1, site=site, language="en", first=2)
    await enroll_all(session, event, persons)
    await tick(session, J2)  # the J-2 of the first Thursday are queued
    return event, [p.id for p in persons]


async def test_a_cancelled_session_tells_everyone_and_sends_no_reminder(
    session: AsyncSession,
) -> None:
    event, persons = await weekly(session)
    first = (await occurrences(session, event))[0]
    told = await cancel_occurrence(
        session, occurrence=first, event=event, now=LATER, reason="salle indisponible"
    )
    assert told == 3
    notices = await outgoing(session, "session_change")
    assert [n.beneficiary_id for n in notices] == persons
    assert notices[0].body == (
        "Annulation : Atelier cuisine du jeudi 26 novembre à 14h30 n'aura pas lieu "
        "(salle indisponible). Nous sommes désolés."
    )
    assert notices[2].body == (
        "Cancelled: Cooking workshop on Thursday 26 November at 2:30 PM will not take place "
        "(salle indisponible). We are sorry."
    )
    assert {m.status for m in await outgoing(session, "reminder")} == {"cancelled"}
    h2 = [
        r for r in await reminders(session) if r.occurrence_id == first.id and r.message_id is None
    ]
    assert {r.skipped_reason for r in h2} == {SKIP_CANCELLED}
    await tick(session, utc(2026, 11, 26, 11, 30))
    assert len(await outgoing(session, "reminder")) == 3
    with pytest.raises(Conflict, match="déjà annulée"):
        await cancel_occurrence(session, occurrence=first, event=event, now=LATER)


async def test_a_session_beyond_the_written_weeks_stays_cancelled(session: AsyncSession) -> None:
    event, _ = await weekly(session)
    far = await occurrence_at(session, event=event, original_start=utc(2027, 1, 21, 13, 30))
    await cancel_occurrence(session, occurrence=far, event=event, now=LATER, notify=False)
    await materialise_event(session, event=event, now=utc(2027, 1, 10))
    listed = await list_occurrences(
        session, event=event, start=utc(2027, 1, 20), end=utc(2027, 1, 30)
    )
    assert [(s.id, s.status) for s in listed] == [
        (far.id, "cancelled"),
        (listed[1].id, "scheduled"),
    ]
    with pytest.raises(NotFound, match="aucune séance"):
        await occurrence_at(session, event=event, original_start=utc(2027, 1, 22, 13, 30))


async def test_a_moved_session_gets_new_reminders_and_a_notice(session: AsyncSession) -> None:
    event, persons = await weekly(session)
    first = (await occurrences(session, event))[0]
    sent = (await outgoing(session, "reminder"))[0]
    sent.status = "sent"  # the first person's J-2 already left
    await move_occurrence(
        session,
        occurrence=first,
        event=event,
        new_start_local=datetime(2026, 11, 27, 10, 0),
        now=LATER,
    )
    notice = (await outgoing(session, "session_change"))[0]
    assert notice.body == (
        "Changement : Atelier cuisine prévu jeudi 26 novembre à 14h30 aura lieu "
        "vendredi 27 novembre à 10h00. Lieu : Salle 2."
    )
    assert notice.expires_at == utc(2026, 11, 27, 9, 0)
    mine = sorted(
        (r.beneficiary_id, r.offset_key, r.due_at)
        for r in await reminders(session)
        if r.occurrence_id == first.id
    )
    assert mine == [
        (persons[0], "H-2", utc(2026, 11, 27, 7, 0)),
        (persons[0], "J-2@10:00", J2),  # kept: it was sent, and is never sent twice
        (persons[1], "H-2", utc(2026, 11, 27, 7, 0)),
        (persons[1], "J-2@10:00", utc(2026, 11, 25, 9, 0)),
        (persons[2], "H-2", utc(2026, 11, 27, 7, 0)),
        (persons[2], "J-2@10:00", utc(2026, 11, 25, 9, 0)),
    ]
    assert [m.status for m in await outgoing(session, "reminder")] == [
        "sent",
        "cancelled",
        "cancelled",
    ]
    with pytest.raises(Exception, match="déjà passé"):
        await move_occurrence(
            session,
            occurrence=first,
            event=event,
            new_start_local=datetime(2026, 11, 20, 10, 0),
            now=LATER,
        )


async def test_the_site_feed_shows_cancelled_and_moved_sessions(session: AsyncSession) -> None:
    event, _ = await weekly(session)
    first, second, *_ = await occurrences(session, event)
    await cancel_occurrence(session, occurrence=first, event=event, now=LATER, notify=False)
    await move_occurrence(
        session,
        occurrence=second,
        event=event,
        new_start_local=datetime(2026, 12, 4, 9, 0),
        now=LATER,
        notify=False,
    )
    site = await session.get_one(Site, event.site_id)
    feed = (await site_feed(session, site=site, now=LATER)).replace("\r\n ", "")
    assert feed.count("BEGIN:VEVENT") == 10
    first_entry = feed.split("BEGIN:VEVENT")[1]
    assert "DTSTART:20261126T133000Z" in first_entry and "STATUS:CANCELLED" in first_entry
    second_entry = feed.split("BEGIN:VEVENT")[2]
    assert "UID:lien-event-" in second_entry and "20261203T133000Z" in second_entry
    assert "DTSTART:20261204T080000Z" in second_entry and "SEQUENCE:1" in second_entry
