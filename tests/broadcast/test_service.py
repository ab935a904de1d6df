from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import AudienceFilter, AudienceSources
from broadcast.service import (
    Draft,
    approval_threshold,
    approve_broadcast,
    cancel_broadcast,
    create_broadcast,
    load_broadcast,
    set_approval_threshold,
    submit_broadcast,
    texts_of,
    update_draft,
)
from broadcast.texts import Invalid, NotAllowed, NotFound, WrongState
from db.models import StaffMember
from tests.broadcast.conftest import OPEN, other_organisation_site
from tests.factories import create_person, create_site

NONE = AudienceSources()


async def staff(session: AsyncSession, name: str) -> StaffMember:
    site = await create_site(session)
    member = StaffMember(name=name, role="staff", organisation_id=site.organisation_id)
    session.add(member)
    await session.flush()
    return member


async def draft_for(session: AsyncSession, people: int, **changes: object) -> int:
    site = await create_site(session)
    for i in range(people):
        await create_person(session, site=site, phone=f"+3361234560{i}")
    values: dict[str, object] = {"title": "Alerte", "texts": {"fr": "Bonjour"}, **changes}
    broadcast = await create_broadcast(
        session,
        organisation_id=site.organisation_id,
        draft=Draft(**values),  # type: ignore[arg-type]
        created_by=(await staff(session, "Claire")).id,
    )
    return broadcast.id


async def test_above_the_organisation_size_a_second_person_approves(
    session: AsyncSession,
) -> None:
    broadcast_id = await draft_for(session, 3)
    claire = await staff(session, "Karim")
    organisation_id = (await load_broadcast(session, broadcast_id=broadcast_id)).organisation_id
    await set_approval_threshold(session, organisation_id=organisation_id, above=2)
    assert await approval_threshold(session, organisation_id=organisation_id) == 2
    waiting = await submit_broadcast(
        session, broadcast_id=broadcast_id, by=None, now=OPEN, sources=NONE
    )
    assert (waiting.status, waiting.recipient_count) == ("pending_approval", 3)
    with pytest.raises(NotAllowed, match="autre personne"):
        await approve_broadcast(session, broadcast_id=broadcast_id, by=waiting.created_by, now=OPEN)
    approved = await approve_broadcast(session, broadcast_id=broadcast_id, by=claire.id, now=OPEN)
    assert (approved.status, approved.approved_by) == ("scheduled", claire.id)
    with pytest.raises(WrongState):
        await approve_broadcast(session, broadcast_id=broadcast_id, by=claire.id, now=OPEN)


async def test_at_or_below_the_size_it_is_scheduled_at_once(session: AsyncSession) -> None:
    broadcast_id = await draft_for(session, 2)
    organisation_id = (await load_broadcast(session, broadcast_id=broadcast_id)).organisation_id
    await set_approval_threshold(session, organisation_id=organisation_id, above=2)
    sent = await submit_broadcast(
        session, broadcast_id=broadcast_id, by=None, now=OPEN, sources=NONE
    )
    assert (sent.status, sent.send_at) == ("scheduled", OPEN)
    with pytest.raises(WrongState, match="brouillon"):
        await submit_broadcast(session, broadcast_id=broadcast_id, by=None, now=OPEN, sources=NONE)
    with pytest.raises(WrongState, match="plus modifiable"):
        await update_draft(
            session, broadcast_id=broadcast_id, draft=Draft(title="x", texts={"fr": "y"})
        )
    await set_approval_threshold(session, organisation_id=organisation_id, above=None)
    assert await approval_threshold(session, organisation_id=organisation_id) is None


async def test_a_draft_can_be_rewritten_language_by_language(session: AsyncSession) -> None:
    broadcast_id = await draft_for(session, 1, texts={"fr": "Un", "en": "One"})
    changed = await update_draft(
        session,
        broadcast_id=broadcast_id,
        draft=Draft(title="Alerte", texts={"fr": "Deux", "ar": "اثنان"}),
    )
    assert texts_of(changed) == {"ar": "اثنان", "fr": "Deux"}
    reloaded = await load_broadcast(session, broadcast_id=broadcast_id)
    assert texts_of(reloaded) == {"ar": "اثنان", "fr": "Deux"}


async def test_nothing_to_send_to_nobody(session: AsyncSession) -> None:
    broadcast_id = await draft_for(session, 1, audience=AudienceFilter(tags=("absent",)))
    with pytest.raises(Invalid, match="personne ne correspond"):
        await submit_broadcast(session, broadcast_id=broadcast_id, by=None, now=OPEN, sources=NONE)


async def test_a_later_time_is_kept_and_must_come_before_expiry(session: AsyncSession) -> None:
    later = OPEN + timedelta(days=1)
    broadcast_id = await draft_for(session, 1, send_at=later)
    with pytest.raises(Invalid, match="expiration"):
        await update_draft(
            session,
            broadcast_id=broadcast_id,
            draft=Draft(title="Alerte", texts={"fr": "Bonjour"}, send_at=later, expires_at=OPEN),
        )
    sent = await submit_broadcast(
        session, broadcast_id=broadcast_id, by=None, now=OPEN, sources=NONE
    )
    assert sent.send_at == later


async def test_another_organisation_cannot_see_or_cancel_it(session: AsyncSession) -> None:
    broadcast_id = await draft_for(session, 1)
    elsewhere = await other_organisation_site(session)
    with pytest.raises(NotFound):
        await cancel_broadcast(
            session,
            broadcast_id=broadcast_id,
            by=None,
            now=OPEN,
            organisation_id=elsewhere.organisation_id,
        )
    cancelled = await cancel_broadcast(session, broadcast_id=broadcast_id, by=None, now=OPEN)
    assert cancelled.status == "cancelled"
    with pytest.raises(WrongState, match="ne peut plus"):
        await cancel_broadcast(session, broadcast_id=broadcast_id, by=None, now=OPEN)
