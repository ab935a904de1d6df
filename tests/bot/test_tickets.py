"""The triage queue: one open ticket per person, urgent first then oldest, and staff actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tickets import (
    TicketConflict,
    TicketFilter,
    assign,
    attach_message,
    change_status,
    list_tickets,
    open_or_join,
)
from bot.triage import Priority
from db.models import Beneficiary, StaffMember, TriageTicket
from tests.factories import create_person, create_site

NOON = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


async def ticket_for(
    session: AsyncSession,
    person: Beneficiary,
    *,
    priority: Priority = "normal",
    need: str | None = None,
    minutes: int = 0,
) -> TriageTicket:
    ticket, _created = await open_or_join(
        session,
        person=person,
        need=need,
        priority=priority,
        source="flow",
        contact_point_id=None,
        first_message_id=None,
        now=NOON + timedelta(minutes=minutes),
    )
    return ticket


async def test_urgent_first_then_the_oldest(session: AsyncSession) -> None:
    site = await create_site(session)
    people = [await create_person(session, site=site, phone=None) for _ in range(4)]
    old_normal = await ticket_for(session, people[0], minutes=0)
    new_urgent = await ticket_for(session, people[1], priority="urgent", minutes=30)
    old_urgent = await ticket_for(session, people[2], priority="urgent", minutes=10)
    high = await ticket_for(session, people[3], priority="high", minutes=5)

    queue = await list_tickets(session, wanted=TicketFilter())

    assert [t.id for t in queue] == [old_urgent.id, new_urgent.id, high.id, old_normal.id]


async def test_a_second_need_joins_the_open_ticket_and_priority_only_rises(
    session: AsyncSession,
) -> None:
    person = await create_person(session, phone=None)
    first = await ticket_for(session, person, priority="urgent", need="shelter")

    joined = await ticket_for(session, person, priority="normal", need="health", minutes=5)

    assert joined.id == first.id
    assert (joined.priority, joined.need) == ("urgent", "health")
    assert joined.last_message_at == NOON + timedelta(minutes=5)


async def test_the_database_refuses_two_open_tickets_for_one_person(
    session: AsyncSession,
) -> None:
    person = await create_person(session, phone=None)
    await ticket_for(session, person)
    row = {
        "beneficiary_id": person.id,
        "priority": "normal",
        "language": "fr",
        "status": "new",
        "source": "flow",
        "directory_entries": [],
    }
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(insert(TriageTicket), [row])
    async with session.begin_nested():
        await session.execute(insert(TriageTicket), [{**row, "status": "resolved"}])


async def test_filters_by_need_language_assignee_site_and_status(session: AsyncSession) -> None:
    site = await create_site(session)
    other_site = await create_site(session, slug="lezignan", org_slug="ami-aude")
    claire = StaffMember(name="Claire", role="staff", organisation_id=site.organisation_id)
    session.add(claire)
    await session.flush()
    arabic = await create_person(session, site=site, language="ar", phone=None)
    french = await create_person(session, site=other_site, phone=None)
    health = await ticket_for(session, arabic, need="health")
    food = await ticket_for(session, french, need="food")
    assign(food, staff_member_id=claire.id, now=NOON)

    async def ids(**wanted: object) -> list[int]:
        found = await list_tickets(session, wanted=TicketFilter(**wanted))  # type: ignore[arg-type]
        return [t.id for t in found]

    assert await ids(need="health") == [health.id]
    assert await ids(language="fr") == [food.id]
    assert await ids(site_id=other_site.id) == [food.id]
    assert await ids(assignee_id=claire.id) == [food.id]
    assert await ids(unassigned=True) == [health.id]
    assert await ids(statuses=("in_progress",)) == [food.id]
    await change_status(session, ticket=food, status="resolved", now=NOON)
    assert await ids() == [health.id]
    assert await ids(statuses=("resolved",)) == [food.id]


async def test_taking_a_ticket_starts_the_work(session: AsyncSession) -> None:
    person = await create_person(session, phone=None)
    ticket = await ticket_for(session, person)
    claire = StaffMember(name="Claire", role="staff", organisation_id=person.organisation_id)
    session.add(claire)
    await session.flush()

    assign(ticket, staff_member_id=claire.id, now=NOON)

    assert (ticket.status, ticket.assignee_id) == ("in_progress", claire.id)


async def test_a_person_writing_reopens_a_waiting_ticket(session: AsyncSession) -> None:
    person = await create_person(session, phone=None)
    ticket = await ticket_for(session, person)
    ticket.status = "waiting"

    attach_message(ticket, contact_point_id=None, now=NOON + timedelta(hours=1))

    assert ticket.status == "in_progress"
    assert ticket.last_message_at == NOON + timedelta(hours=1)


async def test_reopening_is_refused_while_another_ticket_is_open(session: AsyncSession) -> None:
    person = await create_person(session, phone=None)
    old = await ticket_for(session, person)
    await change_status(session, ticket=old, status="resolved", now=NOON)
    assert old.resolved_at == NOON
    await ticket_for(session, person, minutes=60)

    with pytest.raises(TicketConflict, match="déjà un ticket ouvert"):
        await change_status(session, ticket=old, status="in_progress", now=NOON)
