"""The beneficiary record: what it shows, replies, edits with their audit trail, search."""

from __future__ import annotations

import html

from sqlalchemy import select

from db.models import AuditEvent, Message
from db.session import SessionMaker
from gateway.consent import OPT_OUT, record_consent
from tests.factories import create_person
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as


async def new_person(sessionmaker: SessionMaker, **values: object) -> int:
    async with sessionmaker() as session, session.begin():
        person = await create_person(session, **values)  # type: ignore[arg-type]
        return person.id


async def test_the_record_shows_profile_contacts_consent_and_the_timeline(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await new_person(
        sessionmaker, first_name="Fatima", language="ar", simulator="+33612000021", tags=["famille"]
    )
    client = lien_app.client
    page = await client.get(f"/beneficiaries/{person_id}")
    await client.post(
        f"/beneficiaries/{person_id}/reply",
        data={"text": "Bonjour Fatima", "channel": "simulator", "csrf_token": csrf_of(page.text)},
    )
    await lien_app.runtime.dispatcher.run_once()
    async with sessionmaker() as session, session.begin():
        await record_consent(session, beneficiary_id=person_id, kind=OPT_OUT, source="keyword")
    text = html.unescape((await client.get(f"/beneficiaries/{person_id}")).text)
    for expected in (
        "Fatima",
        "Arabe",
        "Famille",
        "+33612345678",
        "STOP depuis le",
        "refuse les messages",
        "mot-clé envoyé par la personne",
        "Bonjour Fatima",
        f"Envoyé par {member.name}",
        "remis",
        "origine : l'équipe",
        "Historique des statuts",
    ):
        assert expected in text, expected


async def test_a_reply_to_someone_who_said_stop_is_refused_next_to_the_field(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await new_person(sessionmaker)
    async with sessionmaker() as session, session.begin():
        await record_consent(session, beneficiary_id=person_id, kind=OPT_OUT, source="keyword")
    client = lien_app.client
    token = csrf_of((await client.get(f"/beneficiaries/{person_id}")).text)
    refused = await client.post(
        f"/beneficiaries/{person_id}/reply",
        data={"text": "Bonjour", "channel": "", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "ne plus recevoir de messages (STOP)" in error_of(refused.text, "text")
    assert ">Bonjour</textarea>" in refused.text  # what was typed is kept
    empty = await client.post(
        f"/beneficiaries/{person_id}/reply", data={"text": " ", "csrf_token": token}
    )
    assert error_of(empty.text, "text") == "Ce champ est obligatoire."
    telegram = await client.post(
        f"/beneficiaries/{person_id}/reply",
        data={"text": "Bonjour", "channel": "telegram", "csrf_token": token},
    )
    assert error_of(telegram.text, "channel") == "Choisissez une valeur de la liste."
    async with sessionmaker() as session:
        assert (await session.scalars(select(Message))).all() == []


async def test_an_edit_is_validated_field_by_field_then_kept_in_the_audit_trail(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await new_person(sessionmaker, first_name="Awa", tags=["famille"])
    client = lien_app.client
    form = await client.get(f"/beneficiaries/{person_id}/edit")
    token = csrf_of(form.text)
    bad = {
        "first_name": "A" * 101,
        "last_name": "",
        "language": "xx",
        "site": "nimes-accueil",
        "preferred_channel": "fax",
        "tags": "famille, " + "t" * 65,
        "csrf_token": token,
    }
    refused = await client.post(f"/beneficiaries/{person_id}/edit", data=bad)
    assert refused.status_code == 422
    assert error_of(refused.text, "first_name") == "100 caractères au plus."
    assert error_of(refused.text, "language") == "Choisissez une valeur de la liste."
    assert error_of(refused.text, "preferred_channel") == "Choisissez une valeur de la liste."
    assert error_of(refused.text, "tags") == "Chaque étiquette fait 64 caractères au plus."
    assert 'aria-invalid="true"' in refused.text
    good = {**bad, "first_name": "Aïcha", "language": "fr", "preferred_channel": "sms"}
    good["tags"] = "Famille, isolé"
    saved = await client.post(f"/beneficiaries/{person_id}/edit", data=good)
    assert saved.status_code == 303
    async with sessionmaker() as session:
        (event,) = (await session.scalars(select(AuditEvent))).all()
    assert (event.action, event.staff_member_id, event.beneficiary_id) == (
        "beneficiary.update",
        member.id,
        person_id,
    )
    assert event.details["changes"] == {
        "first_name": ["Awa", "Aïcha"],
        "preferred_channel": [None, "sms"],
        "tags": [["famille"], ["famille", "isole"]],
    }
    record = html.unescape((await client.get(f"/beneficiaries/{person_id}")).text)
    assert "Fiche mise à jour." in record
    assert "Fiche modifiée" in record and "Prénom : Awa → Aïcha" in record
    again = await client.post(f"/beneficiaries/{person_id}/edit", data=good)
    assert again.status_code == 303
    assert "Aucune modification." in (await client.get(f"/beneficiaries/{person_id}")).text


async def test_search_by_phone_or_name_and_unknown_records(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    person_id = await new_person(sessionmaker, first_name="Samira")
    client = lien_app.client
    link = f'href="/beneficiaries/{person_id}"'
    assert link in (await client.get("/beneficiaries", params={"q": "06 12 34 56 78"})).text
    assert link in (await client.get("/beneficiaries", params={"q": "sami"})).text
    assert link not in (await client.get("/beneficiaries", params={"q": "Josette"})).text
    assert link in (await client.get("/beneficiaries")).text
    bad = await client.get("/beneficiaries", params={"q": "06 12 34"})
    assert bad.status_code == 422 and "illisible" in error_of(bad.text, "q")
    missing = await client.get("/beneficiaries/999999")
    assert missing.status_code == 404 and "Page introuvable" in missing.text
    assert "Modifier la fiche" not in (await client.get(f"/beneficiaries/{person_id}")).text
