"""The attachments table: one row per file of a message, scoped to its organisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, Beneficiary, Message
from db.scope import Scope, set_scope
from db.session import SessionMaker
from tests.factories import create_person, create_site

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


async def inbound_message(session: AsyncSession, *, org_slug: str | None = None) -> Message:
    site = await create_site(session, slug=f"accueil-{org_slug or 'a'}", org_slug=org_slug)
    phone = "+33612345678" if org_slug is None else "+33612345679"
    person = await create_person(session, site=site, phone=phone)
    message = Message(
        beneficiary_id=person.id,
        channel="sms",
        direction="in",
        body="",
        status="received",
        origin_kind="person",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(message)
    await session.flush()
    return message


def attachment(message: Message, organisation_id: int, position: int = 0) -> Attachment:
    return Attachment(
        organisation_id=organisation_id,
        message_id=message.id,
        position=position,
        provider_ref="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        declared_type="image/jpeg",
        status="pending",
        attempts=0,
        created_at=NOW,
    )


async def organisation_of(session: AsyncSession, message: Message) -> int:
    person = await session.get_one(Beneficiary, message.beneficiary_id)
    return person.organisation_id


async def test_one_row_per_position_of_a_message(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session, session.begin():
        message = await inbound_message(session)
        org = await organisation_of(session, message)
        session.add_all([attachment(message, org, 0), attachment(message, org, 1)])
    async with sessionmaker() as session:
        with pytest.raises(IntegrityError):
            async with session.begin():
                session.add(attachment(message, org, 1))


async def test_attachments_go_with_their_message(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session, session.begin():
        message = await inbound_message(session)
        session.add(attachment(message, await organisation_of(session, message)))
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(Message).where(Message.id == message.id))
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Attachment)) == 0


async def test_another_organisation_sees_no_attachment(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session, session.begin():
        mine = await inbound_message(session)
        theirs = await inbound_message(session, org_slug="autre-asso")
        my_org = await organisation_of(session, mine)
        their_org = await organisation_of(session, theirs)
        session.add_all([attachment(mine, my_org), attachment(theirs, their_org)])
    assert my_org != their_org
    async with sessionmaker() as session:
        set_scope(session, Scope(my_org))
        seen = (await session.scalars(select(Attachment.message_id))).all()
    assert seen == [mine.id]
