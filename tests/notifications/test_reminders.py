import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Message, Organisation, Reminder
from db.session import SessionMaker
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.outbox import Priority
from gateway.quiet_hours import SendingWindow, is_open
from gateway.ratelimit import RateLimits
from notifications.attendance import roster
from notifications.states import SKIP_STARTED, SKIP_SUPERSEDED
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
from tests.providers import ScriptedChannel


def dispatcher(sessionmaker: SessionMaker, channel: ScriptedChannel) -> Dispatcher:
    return Dispatcher(
        sessionmaker=sessionmaker,
        channels={channel.name: channel},
        limits=RateLimits({}),
        config=DispatcherConfig(lease_seconds=60),
    )


async def run_tick(sessionmaker: SessionMaker, now: datetime) -> None:
    async with sessionmaker() as session, session.begin():
        await tick(session, now)


async def test_due_reminders_are_queued_once_with_the_sending_rules(
    session: AsyncSession,
) -> None:
    site = await zone_c_site(session)
    event = await workshop(session, site=site)  # Thursday 26 November, 14:30 in Paris
    french = await people(session, 1, site=site)
    english = await people(session, 1, site=site, language="en", first=1)
    await enroll_all(session, event, [*french, *english])
    (occurrence,) = await occurrences(session, event)
    assert await tick(session, utc(2026, 11, 24, 8, 59)) is not None
    assert await outgoing(session) == []
    report = await tick(session, utc(2026, 11, 24, 9, 0))  # J-2 at 10:00 in Paris
    assert report.reminders_queued == 2
    fr, en = await outgoing(session, "reminder")
    assert fr.body == (
        "Rappel : Atelier cuisine, jeudi 26 novembre à 14h30. Lieu : Salle 2.\n"
        "Venez-vous ?\n1. Oui\n2. Non"
    )
    assert en.body is not None
    assert en.body.startswith("Reminder: Cooking workshop, Thursday 26 November at 2:30 PM.")
    assert fr.encoding == "GSM-7"
    assert (fr.respect_quiet_hours, fr.expires_at, fr.priority) == (
        True,
        occurrence.start,
        Priority.REMINDER,
    )
    planned = {r.id: r for r in await reminders(session)}
    assert fr.dedup_key == f"reminder:{fr.origin_ref}"
    assert planned[int(fr.origin_ref or 0)].message_id == fr.id
    again = await tick(session, utc(2026, 11, 24, 9, 5))
    assert again.reminders_queued == 0
    assert len(await outgoing(session)) == 2


async def test_a_custom_template_per_language_fills_its_placeholders(
    session: AsyncSession,
) -> None:
    site = await zone_c_site(session)
    texts = {
        "fr": {"title": "Colis", "reminder": "{title} : {when}, {place}. Apportez un sac."},
        "ar": {"title": "طرود"},
    }
    event = await workshop(session, site=site, texts=texts, offsets=["H-2"])
    arabic = await people(session, 1, site=site, language="ar")
    french = await people(session, 1, site=site, first=1)
    await enroll_all(session, event, [*arabic, *french])
    await tick(session, utc(2026, 11, 26, 11, 30))
    ar, fr = await outgoing(session, "reminder")
    assert fr.body is not None and fr.body.startswith(
        "Colis : jeudi 26 novembre à 14h30, Salle 2. Apportez un sac.\n"
    )
    # No Arabic template of the event: Lien's own Arabic text, not the French one.
    assert ar.body is not None and ar.body.startswith("تذكير: طرود، الخميس 26 نوفمبر الساعة 14:30")


async def test_a_reminder_never_leaves_in_quiet_hours(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    site = await zone_c_site(session)
    # Monday 30 November at 09:00: J-1 at 19:30 falls on Sunday, H-2 at 07:00, both closed.
    event = await workshop(
        session, site=site, start=datetime(2026, 11, 30, 9, 0), offsets=["J-1@19:30", "H-2"]
    )
    await enroll_all(session, event, await people(session, 3, site=site))
    await session.commit()
    channel = ScriptedChannel("sms")
    sent_at: list[datetime] = []
    moment = utc(2026, 11, 29, 12, 0)
    while moment < utc(2026, 11, 30, 8, 0):
        await run_tick(sessionmaker, moment)
        before = len(channel.calls)
        await dispatcher(sessionmaker, channel).run_once(now=moment)
        sent_at += [moment] * (len(channel.calls) - before)
        moment += timedelta(minutes=10)
    assert sent_at == [utc(2026, 11, 30, 7, 0)] * 3  # 08:00 in Paris, the window opens
    assert all(is_open(SendingWindow(), at) for at in sent_at)
    (occurrence,) = await occurrences(session, event)
    lines = (await roster(session, occurrence_id=occurrence.id)).lines
    states = {(r.offset_key, r.status, r.detail) for line in lines for r in line.reminders}
    # The Sunday reminder, held back until Monday 08:00, gave way to the closer one.
    assert states == {("J-1@19:30", "cancelled", None), ("H-2", "sent", None)}


async def test_a_window_opening_after_the_start_expires_the_reminder(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    site = await zone_c_site(session)
    org = await session.get_one(Organisation, site.organisation_id)
    org.settings = {"sending_window": {"start": "10:00", "end": "18:00"}}
    event = await workshop(session, site=site, start=datetime(2026, 11, 27, 9, 30), offsets=["H-2"])
    await enroll_all(session, event, await people(session, 1, site=site))
    await session.commit()
    channel = ScriptedChannel("sms")
    await run_tick(sessionmaker, utc(2026, 11, 27, 6, 30))
    await dispatcher(sessionmaker, channel).run_once(now=utc(2026, 11, 27, 6, 30))
    assert channel.calls == []
    (message,) = await outgoing(session, "reminder")
    assert message.status == "expired"
    assert message.error_reason == "heures calmes jusqu'après l'échéance : non envoyé"


async def test_two_days_down_sends_no_stale_reminder_and_none_twice(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    site = await zone_c_site(session)
    over = await workshop(session, site=site, start=datetime(2026, 11, 25, 14, 30))
    both_due = await workshop(session, site=site, start=datetime(2026, 11, 26, 12, 0))
    later = await workshop(session, site=site, start=datetime(2026, 11, 27, 10, 0))
    persons = await people(session, 2, site=site)
    for event in (over, both_due, later):
        await enroll_all(session, event, persons)
    await session.commit()
    channel = ScriptedChannel("sms")
    # Monday 09:00 UTC: the J-2 of `over` is queued, then the server goes down until Thursday.
    await run_tick(sessionmaker, utc(2026, 11, 23, 9, 0))
    back = utc(2026, 11, 26, 9, 0)
    await asyncio.gather(run_tick(sessionmaker, back), run_tick(sessionmaker, back))
    await dispatcher(sessionmaker, channel).run_once(now=back)
    await run_tick(sessionmaker, back + timedelta(minutes=1))
    await dispatcher(sessionmaker, channel).run_once(now=back + timedelta(minutes=1))
    sent = [c.text.split("\n")[0] for c in channel.calls]
    assert sorted(sent) == [
        "Rappel : Atelier cuisine, jeudi 26 novembre à 12h00. Lieu : Salle 2.",
        "Rappel : Atelier cuisine, jeudi 26 novembre à 12h00. Lieu : Salle 2.",
        "Rappel : Atelier cuisine, vendredi 27 novembre à 10h00. Lieu : Salle 2.",
        "Rappel : Atelier cuisine, vendredi 27 novembre à 10h00. Lieu : Salle 2.",
    ]
    rows = {(r.occurrence_id, r.offset_key): r for r in await reminders(session)}
    (over_session,) = await occurrences(session, over)
    (both_session,) = await occurrences(session, both_due)
    assert rows[(over_session.id, "H-2")].skipped_reason == SKIP_STARTED
    assert rows[(both_session.id, "J-2@10:00")].skipped_reason == SKIP_SUPERSEDED
    expired = await session.scalar(
        select(func.count()).where(Message.status == "expired", Message.origin_kind == "reminder")
    )
    assert expired == 2  # the J-2 of `over`, queued before the outage, never left
    keys = (await session.execute(select(Reminder.message_id))).scalars().all()
    ids = [k for k in keys if k is not None]
    assert len(ids) == len(set(ids)) == 6


async def test_a_reminder_due_on_a_public_holiday_waits_for_the_next_morning(
    session: AsyncSession, sessionmaker: SessionMaker
) -> None:
    site = await zone_c_site(session)
    # Saturday 26 December at 10:00: the J-1 falls on Christmas Day, a closed day.
    event = await workshop(
        session, site=site, start=datetime(2026, 12, 26, 10, 0), offsets=["J-1@10:00"]
    )
    await enroll_all(session, event, await people(session, 1, site=site))
    await session.commit()
    channel = ScriptedChannel("sms")
    christmas = utc(2026, 12, 25, 9, 0)
    await run_tick(sessionmaker, christmas)
    await dispatcher(sessionmaker, channel).run_once(now=christmas)
    (message,) = await outgoing(session, "reminder")
    assert (channel.calls, message.not_before) == ([], utc(2026, 12, 26, 7, 0))
    await session.commit()
    await dispatcher(sessionmaker, channel).run_once(now=utc(2026, 12, 26, 7, 0))
    assert len(channel.calls) == 1


async def test_a_broken_series_does_not_hold_back_the_other_reminders(
    session: AsyncSession,
) -> None:
    site = await zone_c_site(session)
    good = await workshop(session, site=site)
    broken = await workshop(session, site=site, texts={"fr": {"title": "Cassé"}})
    broken.rrule, broken.materialised_until = "FREQ=WEEKLY;BYDAY=TH;COUNT=0", None  # unreadable
    await enroll_all(session, good, await people(session, 1, site=site))
    report = await tick(session, utc(2026, 11, 24, 9, 0))
    assert (report.events_extended, report.reminders_queued) == (1, 1)  # the good one
    assert broken.materialised_until is not None  # tried again later, not at every tick
    assert good.materialised_until is not None
