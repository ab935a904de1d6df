from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrollment
from notifications.privacy import ActivitiesSource
from notifications.states import ENROLLED, WAITLISTED, WITHDRAWN
from tests.notifications.conftest import enroll_all, people, workshop, zone_c_site


async def test_export_lists_enrolments_and_erasure_frees_the_place(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    event = await workshop(session, site=site, capacity=1)
    first, second = await people(session, 2, site=site)
    await enroll_all(session, event, [first, second])
    source = ActivitiesSource()

    exported = await source.export(session, first.id)
    assert isinstance(exported, list)
    assert [(r["kind"], r["event"], r["status"]) for r in exported] == [
        ("inscription", "Atelier cuisine", ENROLLED)
    ]
    assert source.title == "Activités, rappels et courrier"

    assert await source.erase(session, first.id) == 1
    statuses = dict(
        (await session.execute(select(Enrollment.beneficiary_id, Enrollment.status))).all()
    )
    assert statuses == {first.id: WITHDRAWN, second.id: ENROLLED}  # the waiting list moved up
    assert await source.erase(session, first.id) == 0  # idempotent
    assert WAITLISTED not in statuses.values()
