"""The people list: how many match, pages of fifty, filters by site and tag."""

from __future__ import annotations

import html
import re

from db.session import SessionMaker
from gateway.records import create_beneficiary, ensure_organisation
from tests.factories import create_site
from tests.lien.conftest import App
from tests.lien.console.conftest import signed_in_as


def names(page: str) -> list[str]:
    return re.findall(r'class="strong">([^<]+)</a>', page)


async def test_the_list_counts_pages_and_filters_people(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        nimes = await create_site(session)
        lezignan = await ensure_organisation(
            session, slug="default", name="AMI", site_slug="lezignan", site_name="Lézignan"
        )
        for number in range(55):
            await create_beneficiary(session, site=nimes, first_name=f"Nîmes{number:02d}")
        for number in range(3):
            tags = ["isolé"] if number < 2 else []
            await create_beneficiary(
                session, site=lezignan, first_name=f"Lézignan{number}", tags=tags
            )
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    client = lien_app.client
    first = html.unescape((await client.get("/beneficiaries")).text)
    assert "personnes : 58" in first and len(names(first)) == 50
    assert "Page 1 sur 2" in first
    second = html.unescape((await client.get("/beneficiaries?page=2")).text)
    assert len(names(second)) == 8 and not set(names(first)) & set(names(second))
    beyond = html.unescape((await client.get("/beneficiaries?page=9")).text)
    assert "Page 2 sur 2" in beyond  # the last page, not an empty one

    filtered = html.unescape((await client.get("/beneficiaries?site=lezignan&tag=isolé")).text)
    assert "personnes : 2" in filtered
    assert sorted(names(filtered)) == ["Lézignan0", "Lézignan1"]
    by_name = html.unescape((await client.get("/beneficiaries?q=Nîmes0&site=nimes-accueil")).text)
    assert "personnes : 10" in by_name
