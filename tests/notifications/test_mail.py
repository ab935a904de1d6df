from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.mail import mail_notices, mark_mail_arrived
from notifications.states import NotFound
from tests.factories import create_person
from tests.notifications.conftest import NOW, outgoing, utc, zone_c_site


async def test_mail_marked_twice_the_same_day_sends_one_message(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    site.info = {"mail_hours": {"fr": "le mardi et le jeudi de 9h à 12h"}}
    person = await create_person(session, site=site)
    first = await mark_mail_arrived(session, beneficiary_id=person.id, now=NOW)
    again = await mark_mail_arrived(session, beneficiary_id=person.id, now=NOW + timedelta(hours=3))
    assert (first.first_today, again.first_today, again.marks) == (True, False, 2)
    (message,) = await outgoing(session, "mail")
    assert message.body == (
        "Du courrier est arrivé pour vous à Accueil Nîmes. Vous pouvez le retirer le mardi et "
        "le jeudi de 9h à 12h. Pensez à apporter une pièce d'identité."
    )
    assert (message.respect_quiet_hours, first.message_id) == (True, message.id)
    next_day = await mark_mail_arrived(session, beneficiary_id=person.id, now=NOW + timedelta(1))
    assert next_day.first_today
    assert len(await outgoing(session, "mail")) == 2
    assert [n.marks for n in await mail_notices(session, beneficiary_id=person.id)] == [1, 2]


async def test_the_day_is_the_local_day_and_the_text_the_person_language(
    session: AsyncSession,
) -> None:
    site = await zone_c_site(session)
    person = await create_person(session, site=site, language="ar")
    # 23:30 UTC on the 23rd is already the 24th in Paris: a new day, a new message.
    await mark_mail_arrived(session, beneficiary_id=person.id, now=utc(2026, 11, 23, 20, 0))
    late = await mark_mail_arrived(session, beneficiary_id=person.id, now=utc(2026, 11, 23, 23, 30))
    assert late.first_today and str(late.day) == "2026-11-24"
    message = (await outgoing(session, "mail"))[0]
    assert message.body == (
        "وصلك بريد في Accueil Nîmes. يمكنك استلامه خلال ساعات الاستقبال. لا تنس إحضار وثيقة هوية."
    )


async def test_a_person_without_contact_is_recorded_not_written_to(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    person = await create_person(session, site=site, phone=None)
    outcome = await mark_mail_arrived(session, beneficiary_id=person.id, now=NOW)
    assert outcome.message_id is None and outcome.skipped_reason
    with pytest.raises(NotFound):
        await mark_mail_arrived(session, beneficiary_id=999999, now=NOW)
