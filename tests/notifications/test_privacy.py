from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrollment
from notifications.privacy import ActivitiesSource
from notifications.rsvp import answer
from notifications.states import ENROLLED, WAITLISTED, WITHDRAWN
from tests.notifications.conftest import NOW, enroll_all, occurrences, people, workshop, zone_c_site


async def test_export_lists_enrolments_and_erasure_frees_the_place(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    event = await workshop(session, site=site, capacity=1)
    first, second = await people(session, 2, site=site)
    await enroll_all(session, event, [first, second])
    source = ActivitiesSource()

    exported = await source.export(session, first.id)
    assert isinstance(exported, list)
    assert [(r["kind"], r["event"], r["status"]) for r in exported] == [
        ("inscription", "Atelier cuisine", "inscrit·e")
    ]
    assert source.title == "Activités, rappels et courrier"

    assert await source.erase(session, first.id) == 1
    statuses = dict(
        (await session.execute(select(Enrollment.beneficiary_id, Enrollment.status))).all()
    )
    assert statuses == {first.id: WITHDRAWN, second.id: ENROLLED}  # the waiting list moved up
    assert await source.erase(session, first.id) == 0  # idempotent
    assert WAITLISTED not in statuses.values()


async def test_export_says_states_and_answers_in_french_words(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    event = await workshop(session, site=site, capacity=1)
    first, second = await people(session, 2, site=site)
    await enroll_all(session, event, [first, second])
    first_session = (await occurrences(session, event))[0]
    await answer(
        session,
        occurrence=first_session,
        event=event,
        beneficiary_id=first.id,
        yes=False,
        now=NOW,
    )
    source = ActivitiesSource()

    mine = await source.export(session, first.id)
    waiting = await source.export(session, second.id)
    assert isinstance(mine, list) and isinstance(waiting, list)
    assert [r["answer"] for r in mine if "answer" in r] == ["ne viendra pas"]
    assert [r["status"] for r in waiting if r["kind"] == "inscription"] == ["liste d'attente"]
    codes = {ENROLLED, WAITLISTED, WITHDRAWN, "yes", "no", "True", "False"}
    every_cell = {str(v) for r in mine for v in r.values()}
    assert not codes & every_cell
