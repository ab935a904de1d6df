"""Several processes starting at once all find the default organisation, none fails."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models import ContactPoint, Organisation, Site
from db.session import SessionMaker, transaction
from gateway.records import ContactTaken, add_contact, ensure_organisation, get_beneficiary
from tests.factories import create_person, create_site


async def test_organisations_ensured_at_once_are_created_once(sessionmaker: SessionMaker) -> None:
    first_in = asyncio.Event()

    async def start(holds: bool) -> int:
        async with transaction(sessionmaker) as session:
            site = await ensure_organisation(
                session, slug="default", name="Asso", site_slug="accueil", site_name="Accueil"
            )
            if holds:  # keep the rows uncommitted while the other process tries too
                first_in.set()
                await asyncio.sleep(0.2)
            return site.id

    first = asyncio.create_task(start(True))
    await first_in.wait()
    ids = await asyncio.gather(first, start(False))
    assert ids[0] == ids[1]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 1
        assert await session.scalar(select(func.count()).select_from(Site)) == 1


async def test_one_address_added_twice_at_once_is_refused_once(sessionmaker: SessionMaker) -> None:
    """Two staff adding one number to two records at the same moment: one wins, one is refused."""
    async with transaction(sessionmaker) as session:
        site = await create_site(session)
        people = [
            (await create_person(session, site=site, first_name=name, phone=None)).id
            for name in ("Awa", "Yonas")
        ]
    first_in = asyncio.Event()

    async def add(person_id: int, holds: bool) -> str:
        try:
            async with transaction(sessionmaker) as session:
                person = await get_beneficiary(session, person_id)
                assert person is not None
                await add_contact(session, person, channel="sms", address="06 12 34 56 78")
                if holds:  # the first add stays uncommitted while the second one tries
                    first_in.set()
                    await asyncio.sleep(0.2)
                # The refused add leaves its transaction usable: the rest of the request goes on.
                await session.scalar(select(func.count()).select_from(ContactPoint))
        except ContactTaken as refused:
            return str(refused)
        return "added"

    first = asyncio.create_task(add(people[0], True))
    await first_in.wait()
    outcomes = await asyncio.gather(first, add(people[1], False))
    assert outcomes[0] == "added"
    assert outcomes[1] == f"ce contact existe déjà (bénéficiaire {people[0]})"
    async with sessionmaker() as session:
        owners = list(await session.scalars(select(ContactPoint.beneficiary_id)))
    assert owners == [people[0]]
