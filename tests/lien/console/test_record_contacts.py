"""Adding a contact to a record and recording a consent with its source, from the console."""

from __future__ import annotations

import html

from sqlalchemy import select

from db.models import AuditEvent, ConsentEvent, ContactPoint
from db.session import SessionMaker
from gateway.privacy.builtin import core_registry
from gateway.privacy.erasure import erase_person
from tests.factories import create_person
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as


async def new_person(sessionmaker: SessionMaker, **values: object) -> int:
    async with sessionmaker() as session, session.begin():
        person = await create_person(session, **values)  # type: ignore[arg-type]
        return person.id


async def test_a_telegram_chat_id_is_added_and_audited_without_the_address(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await new_person(sessionmaker, first_name="Awa")
    client = lien_app.client
    record = (await client.get(f"/beneficiaries/{person_id}")).text
    assert f'href="/beneficiaries/{person_id}/contacts/new"' in record
    token = csrf_of((await client.get(f"/beneficiaries/{person_id}/contacts/new")).text)
    added = await client.post(
        f"/beneficiaries/{person_id}/contacts/new",
        data={"channel": "telegram", "address": " 4242 ", "csrf_token": token},
    )
    assert added.status_code == 303
    async with sessionmaker() as session:
        contacts = (await session.scalars(select(ContactPoint).order_by(ContactPoint.id))).all()
        (event,) = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "add_contact"))
        ).all()
    assert [(c.channel, c.address) for c in contacts] == [
        ("sms", "+33612345678"),
        ("telegram", "4242"),
    ]
    assert (event.action, event.staff_member_id, event.details) == (
        "add_contact",
        member.id,
        {"channel": "telegram"},
    )
    page = html.unescape((await client.get(f"/beneficiaries/{person_id}")).text)
    assert "Moyen de contact ajouté." in page and "add_contact" not in page


async def test_bad_or_known_addresses_are_refused_in_french(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await new_person(sessionmaker, phone="+33612000041")
    other_id = await new_person(sessionmaker, phone="+33612000042")
    client = lien_app.client
    path = f"/beneficiaries/{person_id}/contacts/new"
    token = csrf_of((await client.get(path)).text)

    async def refusal(channel: str, address: str) -> str:
        data = {"channel": channel, "address": address, "csrf_token": token}
        response = await client.post(path, data=data)
        assert response.status_code == 422
        return error_of(response.text, "address")

    assert await refusal("telegram", "@awa") == (
        "Un identifiant de discussion Telegram ne contient que des chiffres."
    )
    assert await refusal("sms", "12") == "Numéro de téléphone illisible : vérifiez les chiffres."
    assert await refusal("sms", "06 12 00 00 41") == "Ce moyen de contact est déjà sur cette fiche."
    assert await refusal("sms", "0612000042") == (
        f"Ce moyen de contact est déjà sur une autre fiche (n° {other_id})."
    )
    response = await client.post(path, data={"channel": "fax", "address": "", "csrf_token": token})
    assert error_of(response.text, "channel") == "Choisissez une valeur de la liste."
    assert error_of(response.text, "address") == "Ce champ est obligatoire."


async def test_a_consent_change_is_recorded_with_its_source_and_shown_in_french(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await new_person(sessionmaker, telegram="777")
    client = lien_app.client
    path = f"/beneficiaries/{person_id}/consent"
    form = await client.get(path)
    assert "papier signé" in html.unescape(form.text)
    token = csrf_of(form.text)
    refused = await client.post(path, data={"channel": "fax", "csrf_token": token})
    assert refused.status_code == 422
    assert error_of(refused.text, "channel") == "Choisissez une valeur de la liste."
    assert error_of(refused.text, "decision") == "Ce champ est obligatoire."
    assert error_of(refused.text, "source") == "Ce champ est obligatoire."

    data = {"channel": "sms", "decision": "opt_out", "source": "signed_paper", "csrf_token": token}
    assert (await client.post(path, data=data)).status_code == 303

    async with sessionmaker() as session:
        (decision,) = (await session.scalars(select(ConsentEvent))).all()
        contacts = {
            c.channel: c.opted_out for c in (await session.scalars(select(ContactPoint))).all()
        }
        (event,) = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "consent"))
        ).all()
    assert (decision.channel, decision.kind, decision.source) == ("sms", "opt_out", "signed_paper")
    assert contacts == {"sms": True, "telegram": False}
    assert (event.action, event.staff_member_id) == ("consent", member.id)
    assert event.details == {"decision": "opt_out", "source": "signed_paper", "channels": ["sms"]}
    page = html.unescape((await client.get(f"/beneficiaries/{person_id}")).text)
    assert "Consentement enregistré." in page
    assert "refuse les messages" in page and "papier signé" in page
    assert "signed_paper" not in page and "opt_out" not in page


async def test_consent_for_every_channel_and_a_record_without_contacts(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await new_person(sessionmaker, telegram="778")
    bare_id = await new_person(sessionmaker, phone=None)
    client = lien_app.client
    token = csrf_of((await client.get(f"/beneficiaries/{person_id}/consent")).text)
    data = {"channel": "all", "decision": "opt_out", "source": "by_phone", "csrf_token": token}
    assert (await client.post(f"/beneficiaries/{person_id}/consent", data=data)).status_code == 303
    async with sessionmaker() as session:
        kinds = (await session.scalars(select(ConsentEvent.channel))).all()
    assert sorted(kinds) == ["sms", "telegram"]

    bare = await client.get(f"/beneficiaries/{bare_id}/consent")
    assert error_of(bare.text, "channel").startswith("La fiche n'a encore aucun moyen de contact")
    refused = await client.post(f"/beneficiaries/{bare_id}/consent", data=data)
    assert refused.status_code == 422


async def test_volunteers_cannot_add_contacts_or_record_consent(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    person_id = await new_person(sessionmaker)
    client = lien_app.client
    record = (await client.get(f"/beneficiaries/{person_id}")).text
    assert "/contacts/new" not in record and f"/beneficiaries/{person_id}/consent" not in record
    assert (await client.get(f"/beneficiaries/{person_id}/contacts/new")).status_code == 403
    assert (await client.get(f"/beneficiaries/{person_id}/consent")).status_code == 403


async def test_an_erased_record_takes_no_new_contact(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await new_person(sessionmaker, first_name="Awa")
    client = lien_app.client
    path = f"/beneficiaries/{person_id}/contacts/new"
    token = csrf_of((await client.get(path)).text)
    async with sessionmaker() as session, session.begin():
        await erase_person(session, core_registry(), beneficiary_id=person_id, staff_id=None)
    response = await client.post(
        path, data={"channel": "telegram", "address": "4242", "csrf_token": token}
    )
    assert response.status_code == 409
    assert "Cette fiche a été effacée" in html.unescape(response.text)
    async with sessionmaker() as session:
        addresses = (await session.scalars(select(ContactPoint.address))).all()
    assert "4242" not in addresses
