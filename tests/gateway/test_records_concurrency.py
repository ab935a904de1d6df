"""Several processes starting at once all find the default organisation, none fails."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models import Organisation, Site
from db.session import SessionMaker, transaction
from gateway.records import ensure_organisation


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
