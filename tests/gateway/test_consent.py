from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContactPoint
from gateway.consent import (
    IMPORT,
    KEYWORD,
    OPT_IN,
    OPT_OUT,
    PROVIDER_ERROR,
    STAFF,
    consent_history,
    consent_state,
    record_consent,
)
from tests.factories import create_person


async def test_each_decision_keeps_channel_time_and_source_and_the_state_follows_the_last(
    session: AsyncSession,
) -> None:
    person = await create_person(session, telegram="4242")
    sms = await session.get_one(
        ContactPoint, (await consent_state(session, person.id))[0].contact_point_id
    )
    await record_consent(session, beneficiary_id=person.id, kind=OPT_IN, source=IMPORT)
    await record_consent(session, beneficiary_id=person.id, kind=OPT_OUT, source=KEYWORD)
    await record_consent(session, beneficiary_id=person.id, kind=OPT_IN, source=STAFF, contact=sms)
    telegram = [c for c in await consent_state(session, person.id) if c.channel == "telegram"]
    await record_consent(
        session,
        beneficiary_id=person.id,
        kind=OPT_OUT,
        source=PROVIDER_ERROR,
        contact=await session.get_one(ContactPoint, telegram[0].contact_point_id),
        detail="telegram:403",
    )
    history = await consent_history(session, person.id)
    assert [(e.channel, e.kind, e.source) for e in history] == [
        ("sms", OPT_IN, IMPORT),
        ("telegram", OPT_IN, IMPORT),
        ("sms", OPT_OUT, KEYWORD),
        ("telegram", OPT_OUT, KEYWORD),
        ("sms", OPT_IN, STAFF),
        ("telegram", OPT_OUT, PROVIDER_ERROR),
    ]
    assert all(e.created_at is not None for e in history)
    state = {c.channel: (c.opted_in, c.source) for c in await consent_state(session, person.id)}
    assert state == {"sms": (True, STAFF), "telegram": (False, PROVIDER_ERROR)}


async def test_a_contact_without_any_decision_is_reachable_since_it_was_added(
    session: AsyncSession,
) -> None:
    person = await create_person(session)
    (only,) = await consent_state(session, person.id)
    assert only.opted_in and only.source is None and only.since is not None
