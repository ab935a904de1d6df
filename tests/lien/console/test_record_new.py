"""Creating a person from the console: every problem at once, one number per person, audited."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db.models import AuditEvent, Beneficiary
from db.session import SessionMaker
from tests.factories import create_person, create_site
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as


async def test_the_people_list_opens_the_form_for_staff_only(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    listing = await lien_app.client.get("/beneficiaries")
    assert 'href="/beneficiaries/new"' in listing.text
    form = await lien_app.client.get("/beneficiaries/new")
    assert form.status_code == 200
    assert "Nouvelle personne" in form.text and 'name="phone"' in form.text


async def test_volunteers_cannot_create_a_person(lien_app: App, sessionmaker: SessionMaker) -> None:
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    assert 'href="/beneficiaries/new"' not in (await lien_app.client.get("/beneficiaries")).text
    assert (await lien_app.client.get("/beneficiaries/new")).status_code == 403


async def test_every_bad_field_is_shown_at_once(lien_app: App, sessionmaker: SessionMaker) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/beneficiaries/new")).text)
    bad = {
        "first_name": "",
        "last_name": "",
        "language": "xx",
        "site": "",
        "tags": "t" * 65,
        "phone": "12",
        "csrf_token": token,
    }
    refused = await client.post("/beneficiaries/new", data=bad)
    assert refused.status_code == 422
    assert error_of(refused.text, "first_name") == "Donnez au moins un prénom ou un nom."
    assert error_of(refused.text, "language") == "Choisissez une valeur de la liste."
    assert error_of(refused.text, "site") == "Ce champ est obligatoire."
    assert error_of(refused.text, "tags") == "Chaque étiquette fait 64 caractères au plus."
    assert error_of(refused.text, "phone") == (
        "Numéro de téléphone illisible : vérifiez les chiffres."
    )
    assert "La fiche n'est pas créée" in html.unescape(refused.text)
    async with sessionmaker() as session:
        assert (await session.scalars(select(Beneficiary))).all() == []


async def test_a_person_is_created_with_a_normalised_phone_and_audited(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/beneficiaries/new")).text)
    good = {
        "first_name": "Awa",
        "last_name": "Diallo",
        "language": "fr",
        "site": "nimes-accueil",
        "tags": "Famille, isolé",
        "phone": "06 12 00 00 31",
        "csrf_token": token,
    }
    created = await client.post("/beneficiaries/new", data=good)
    assert created.status_code == 303
    async with sessionmaker() as session:
        person = await session.scalar(
            select(Beneficiary).options(
                selectinload(Beneficiary.contact_points), selectinload(Beneficiary.tags)
            )
        )
        assert person is not None
        (event,) = (await session.scalars(select(AuditEvent))).all()
    assert created.headers["location"] == f"/beneficiaries/{person.id}"
    assert (person.first_name, person.last_name, person.language) == ("Awa", "Diallo", "fr")
    assert [(c.channel, c.address) for c in person.contact_points] == [("sms", "+33612000031")]
    assert sorted(t.tag for t in person.tags) == ["famille", "isole"]
    assert (event.action, event.staff_member_id, event.beneficiary_id) == (
        "create",
        member.id,
        person.id,
    )
    record = html.unescape((await client.get(f"/beneficiaries/{person.id}")).text)
    assert "Fiche créée." in record and "Fiche créée" in record


async def test_a_number_already_on_a_record_is_refused(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    async with sessionmaker() as session, session.begin():
        other = (await create_person(session, phone="+33612000032")).id
    client = lien_app.client
    token = csrf_of((await client.get("/beneficiaries/new")).text)
    form = {
        "first_name": "Awa",
        "language": "fr",
        "site": "nimes-accueil",
        "phone": "0612000032",
        "csrf_token": token,
    }
    refused = await client.post("/beneficiaries/new", data=form)
    assert refused.status_code == 422
    assert error_of(refused.text, "phone") == (
        f"Ce moyen de contact est déjà sur une autre fiche (n° {other})."
    )
    async with sessionmaker() as session:
        assert len((await session.scalars(select(Beneficiary))).all()) == 1


async def test_a_number_of_another_association_is_refused_without_naming_it(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    async with sessionmaker() as session, session.begin():
        elsewhere = await create_site(session, slug="ales-accueil", org_slug="ami-ales")
        await create_person(session, site=elsewhere, first_name="Hors", phone="+33612000033")
    client = lien_app.client
    token = csrf_of((await client.get("/beneficiaries/new")).text)
    form = {
        "first_name": "Awa",
        "language": "fr",
        "site": "nimes-accueil",
        "phone": "0612000033",
        "csrf_token": token,
    }
    refused = await client.post("/beneficiaries/new", data=form)
    assert refused.status_code == 409
    assert error_of(refused.text, "phone") == (
        "Ce moyen de contact est déjà enregistré ailleurs : il ne peut pas être ajouté."
    )
    assert "Hors" not in refused.text
    async with sessionmaker() as session:
        names = (await session.scalars(select(Beneficiary.first_name))).all()
    assert names == ["Hors"]
