"""The directory tab: entries by need, edits laid over the file, today's places of a shelter."""

from __future__ import annotations

from sqlalchemy import select

from db.models import DirectoryOverride
from db.session import SessionMaker
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as


async def test_staff_list_entries_by_need_and_set_a_shelter_places_today(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    page = await client.get("/settings/directory")
    assert page.status_code == 200
    assert "Hébergement" in page.text and 'data-entry-id="siao-115"' in page.text
    assert "places du jour non indiquées" in page.text
    token = csrf_of(page.text)
    saved = await client.post(
        "/settings/directory/accueil-de-nuit/places", data={"places": "3", "csrf_token": token}
    )
    assert saved.status_code == 303
    shown = (await client.get("/settings/directory")).text
    assert "3 places aujourd'hui" in shown
    await client.post(
        "/settings/directory/accueil-de-nuit/places", data={"places": "-2", "csrf_token": token}
    )
    assert "Un nombre entier de 0 à 10000." in (await client.get("/settings/directory")).text


async def test_an_entry_is_edited_with_only_its_changed_fields_kept(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    form = await client.get("/settings/directory/siao-115")
    assert form.status_code == 200
    token = csrf_of(form.text)
    values = {
        "name": "115 - Samu social",
        "categories": ["shelter"],
        "what_fr": "Hébergement d'urgence pour la nuit.",
        "what_en": "Emergency shelter for the night.",
        "what_ar": "مبيت طارئ لليلة.",
        "address": "",
        "phone": "115",
        "hours": "24h/24, 7j/7",
        "conditions": "Gratuit. Pour toute personne sans abri, avec ou sans papiers.",
        "languages": "fr",
        "csrf_token": token,
    }
    saved = await client.post("/settings/directory/siao-115", data=values)
    assert saved.status_code == 303
    async with sessionmaker() as session:
        edit = await session.scalar(select(DirectoryOverride))
    assert edit is not None and edit.fields == {"name": "115 - Samu social"}
    refused = await client.post(
        "/settings/directory/siao-115", data={**values, "what_ar": "", "categories": []}
    )
    assert refused.status_code == 422
    assert error_of(refused.text, "what_ar") == "Ce champ est obligatoire."
    assert error_of(refused.text, "categories") == "Cochez au moins un besoin."


async def test_volunteers_cannot_open_the_directory(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    assert (await lien_app.client.get("/settings/directory")).status_code == 403
