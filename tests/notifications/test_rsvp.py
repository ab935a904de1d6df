import functools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Enrollment, Event, Message, Rsvp
from gateway.channels.base import InboundMessage
from gateway.inbound import INBOX, InboundRouter, Received, receive
from notifications.attendance import CONFIRMED, DECLINED_ANSWER, record_attendance, roster
from notifications.enrollments import withdraw
from notifications.inbound import handle
from notifications.rsvp import OFFER_WAIT
from notifications.states import LAPSED, OFFERED, SKIP_DECLINED, Conflict
from notifications.tasks import tick
from tests.notifications.conftest import (
    NOW,
    enroll_all,
    occurrences,
    outgoing,
    people,
    reminders,
    utc,
    workshop,
    zone_c_site,
)

J2 = utc(2026, 11, 24, 9, 0)  # the J-2 reminders of the Thursday 26 November workshop


def router(now: datetime) -> InboundRouter:
    routes = InboundRouter()
    routes.register("notifications", functools.partial(handle, now=now), order=20)
    return routes


async def reply(
    session: AsyncSession, person: Beneficiary, text: str, *, now: datetime = J2
) -> Received:
    phone = f"+336120000{int((person.first_name or 'P0')[1:]):02d}"
    inbound = InboundMessage("sms", phone, text, provider_id=f"SM{person.id}{text}{now:%H%M}")
    received = await receive(session, router(now), inbound)
    assert received is not None
    return received


async def reply_text(session: AsyncSession, received: Received) -> str:
    (message_id,) = received.replies
    return (await session.get_one(Message, message_id)).body or ""


async def full_workshop(session: AsyncSession) -> tuple[Event, list[Beneficiary]]:
    site = await zone_c_site(session)
    event = await workshop(session, site=site, capacity=2)
    persons = await people(session, 4, site=site)
    await enroll_all(session, event, persons)
    await tick(session, J2)
    return event, persons


async def test_yes_and_no_are_recorded_and_no_offers_the_place(session: AsyncSession) -> None:
    event, (ana, ben, chloe, dia) = await full_workshop(session)
    statuses = (await session.execute(select(Enrollment.status).order_by(Enrollment.id))).scalars()
    assert list(statuses) == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    yes = await reply(session, ana, "OUI")
    assert yes.handled_by == "notifications"
    assert await reply_text(session, yes) == (
        "Merci, c'est noté : nous vous attendons jeudi 26 novembre à 14h30."
    )
    no = await reply(session, ben, "Non merci")
    assert await reply_text(session, no) == "C'est noté, merci de nous avoir prévenus."
    (offer,) = await outgoing(session, "offer")
    assert offer.beneficiary_id == chloe.id
    assert offer.body == (
        "Une place s'est libérée pour Atelier cuisine, jeudi 26 novembre à 14h30. "
        "Lieu : Salle 2. La voulez-vous ?\n1. Oui\n2. Non"
    )
    (session_row,) = await occurrences(session, event)
    assert (offer.respect_quiet_hours, offer.expires_at) == (True, session_row.start)
    taken = await reply(session, chloe, "1")
    assert await reply_text(session, taken) == (
        "C'est noté : une place vous est réservée pour Atelier cuisine, jeudi 26 novembre à 14h30."
    )
    skipped = [r for r in await reminders(session) if r.beneficiary_id == ben.id]
    assert [r.skipped_reason for r in skipped if r.offset_key == "H-2"] == [SKIP_DECLINED]
    await tick(session, utc(2026, 11, 26, 11, 30))  # H-2
    h2 = [
        m.beneficiary_id for m in await outgoing(session, "reminder") if "jeudi" in (m.body or "")
    ]
    assert sorted(h2) == sorted([ana.id, ben.id, ana.id, chloe.id])  # J-2 to Ana and Ben
    seen = await roster(session, occurrence_id=session_row.id)
    answers = {line.beneficiary_id: line.answer for line in seen.lines}
    assert answers == {ana.id: CONFIRMED, ben.id: DECLINED_ANSWER, chloe.id: CONFIRMED}
    assert (seen.count(CONFIRMED), seen.count(DECLINED_ANSWER), seen.count("no_answer")) == (
        2,
        1,
        0,
    )
    assert dia.id not in answers


async def test_declining_the_offer_passes_it_to_the_next_one(session: AsyncSession) -> None:
    _, (_, ben, chloe, dia) = await full_workshop(session)
    await reply(session, ben, "NON")
    declined = await reply(session, chloe, "2")
    assert await reply_text(session, declined) == (
        "C'est noté, merci. Vous restez sur la liste d'attente."
    )
    offers = await outgoing(session, "offer")
    assert [m.beneficiary_id for m in offers] == [chloe.id, dia.id]


async def test_an_unanswered_offer_lapses_and_goes_to_the_next_one(
    session: AsyncSession,
) -> None:
    _, (_, ben, chloe, dia) = await full_workshop(session)
    await reply(session, ben, "NON")
    (offer,) = await outgoing(session, "offer")
    offer.status, offer.sent_at = "sent", J2
    await tick(session, J2 + OFFER_WAIT - timedelta(minutes=1))
    assert len(await outgoing(session, "offer")) == 1
    await tick(session, J2 + OFFER_WAIT)
    assert [m.beneficiary_id for m in await outgoing(session, "offer")] == [chloe.id, dia.id]
    rows = (await session.execute(select(Rsvp.beneficiary_id, Rsvp.offer))).all()
    assert set(rows) >= {(chloe.id, LAPSED), (dia.id, OFFERED)}
    # Chloé answers late while Dia holds the offer: no place is left for her.
    late = await reply(session, chloe, "oui", now=J2 + OFFER_WAIT + timedelta(minutes=5))
    assert await reply_text(session, late) == (
        "Désolé, il n'y a plus de place pour Atelier cuisine, jeudi 26 novembre à 14h30."
    )
    assert (
        await session.scalar(select(Rsvp.offer).where(Rsvp.beneficiary_id == dia.id))
    ) == OFFERED


async def test_withdrawing_moves_the_first_waiting_person_up(session: AsyncSession) -> None:
    event, (ana, _, chloe, _) = await full_workshop(session)
    promoted = await withdraw(session, event=event, beneficiary_id=ana.id, now=J2)
    assert promoted == [chloe.id]
    (message,) = await outgoing(session, "enrollment")
    assert message.beneficiary_id == chloe.id
    assert message.body == (
        "Bonne nouvelle : une place s'est libérée, votre inscription à Atelier cuisine est "
        "enregistrée. Prochaine séance : jeudi 26 novembre à 14h30."
    )
    mine = [r for r in await reminders(session) if r.beneficiary_id == chloe.id]
    assert [r.offset_key for r in mine] == ["H-2"]  # the J-2 is already past
    ana_left = [r for r in await reminders(session) if r.beneficiary_id == ana.id]
    assert [r.skipped_reason for r in ana_left if r.offset_key == "H-2"] == [
        "la personne n'est plus inscrite"
    ]


async def test_answers_without_a_question_go_to_the_staff_inbox(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    (person,) = await people(session, 1, site=site)
    assert (await reply(session, person, "OUI")).handled_by == INBOX
    event = await workshop(session, site=site)
    await enroll_all(session, event, [person])
    await tick(session, J2)
    assert (
        await reply(session, person, "oui mais ma fille est malade ce matin")
    ).handled_by == INBOX
    assert (await reply(session, person, "5")).handled_by == INBOX
    late = await reply(session, person, "oui", now=utc(2026, 11, 26, 14, 0))
    assert late.handled_by == INBOX


async def test_a_yes_with_more_to_say_counts_and_the_team_sees_it(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    ana, bob = await people(session, 2, site=site)
    event = await workshop(session, site=site)
    await enroll_all(session, event, [ana, bob])
    await tick(session, J2)
    assert (await reply(session, ana, "oui mais je serai en retard")).handled_by == "notifications"
    assert (await reply(session, bob, "non merci je peux pas")).handled_by == "notifications"
    (occurrence,) = await occurrences(session, event)
    lines = {
        line.beneficiary_id: line
        for line in (await roster(session, occurrence_id=occurrence.id)).lines
    }
    assert (lines[ana.id].answer, lines[ana.id].note) == (CONFIRMED, "oui mais je serai en retard")
    assert (lines[bob.id].answer, lines[bob.id].note) == (DECLINED_ANSWER, None)


async def test_attendance_is_recorded_once_the_session_starts(session: AsyncSession) -> None:
    event, (ana, *_) = await full_workshop(session)
    (occurrence,) = await occurrences(session, event)
    with pytest.raises(Conflict, match="début de la séance"):
        await record_attendance(
            session, occurrence_id=occurrence.id, beneficiary_id=ana.id, present=True, now=NOW
        )
    await record_attendance(
        session,
        occurrence_id=occurrence.id,
        beneficiary_id=ana.id,
        present=True,
        now=occurrence.start,
    )
    lines = (await roster(session, occurrence_id=occurrence.id)).lines
    assert [line.attended for line in lines if line.beneficiary_id == ana.id] == [True]
