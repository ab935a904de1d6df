"""The console's sites settings: name, address, opening hours, school zone."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Site
from db.session import SessionMaker
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as


async def test_an_admin_sets_a_sites_details_and_the_zone_follows_the_postcode(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "admin")
    client = lien_app.client
    page = await client.get("/settings/sites")
    assert page.status_code == 200
    async with sessionmaker() as session:
        site = await session.scalar(select(Site).order_by(Site.id).limit(1))
    assert site is not None
    form = {
        "csrf_token": csrf_of(page.text),
        "name": "Accueil de Lézignan",
        "address": "2 avenue des Corbières",
        "postcode": "11200",
        "opening_hours": "mardi 9h-12h",
        "school_zone": "",
    }
    saved = await client.post(f"/settings/sites/{site.id}", data=form)
    assert saved.status_code == 303
    async with sessionmaker() as session:
        stored = await session.get_one(Site, site.id)
    assert (stored.name, stored.school_zone) == ("Accueil de Lézignan", "C")
    assert stored.info["opening_hours"] == "mardi 9h-12h"
    refused = await client.post(f"/settings/sites/{site.id}", data={**form, "postcode": "11"})
    assert refused.status_code == 422
    assert "cinq chiffres" in error_of(refused.text, "postcode")
    missing = await client.post("/settings/sites/999999", data=form)
    assert missing.status_code == 404


async def test_staff_cannot_open_the_sites_settings(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    assert (await lien_app.client.get("/settings/sites")).status_code == 403
