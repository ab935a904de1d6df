"""From a record: the domains' panels, mail arrived, enrolment, export and erasure, audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from db.models import AuditEvent, Beneficiary, Enrollment, Event, MailNotice
from db.session import SessionMaker
from gateway import audit
from notifications.service import EventSpec, create_event
from tests.factories import create_person
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as
from tests.lien.test_api_tickets import seed


async def _person(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session, session.begin():
        person = await create_person(session, first_name="Samira")
        await create_event(
            session,
            spec=EventSpec(
                site_slug="nimes-accueil",
                kind="workshop",
                texts={"fr": {"title": "Atelier couture"}},
                dtstart_local=datetime.now().replace(microsecond=0) + timedelta(days=3),
                duration=timedelta(hours=2),
            ),
        )
        return person.id


async def test_the_record_shows_the_panels_and_audits_the_view(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "volunteer")
    ticket_id = await seed(sessionmaker, phone="+33600000021", priority="urgent")
    async with sessionmaker() as session:
        person_id = await session.scalar(select(Beneficiary.id))
    page = (await lien_app.client.get(f"/beneficiaries/{person_id}")).text
    # A volunteer reads only the tickets given to them: this one is nobody's yet.
    assert f'href="/triage/{ticket_id}"' not in page
    assert "Activités" in page and "Courrier" in page
    assert "Courrier arrivé" not in page and "Exporter" not in page  # staff only
    async with sessionmaker() as session:
        viewed = await session.scalar(
            select(AuditEvent.staff_member_id).where(AuditEvent.action == audit.VIEW)
        )
    assert viewed == member.id
    assert "Modifications de la fiche" in page and "Consulté" not in page


async def test_staff_mark_mail_and_enrol_from_the_record(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await _person(sessionmaker)
    client = lien_app.client
    page = await client.get(f"/beneficiaries/{person_id}")
    assert "Atelier couture" in page.text
    token = csrf_of(page.text)
    mail = await client.post(f"/beneficiaries/{person_id}/mail", data={"csrf_token": token})
    assert mail.status_code == 303
    second = await client.post(f"/beneficiaries/{person_id}/mail", data={"csrf_token": token})
    assert second.status_code == 303
    shown = (await client.get(f"/beneficiaries/{person_id}")).text
    assert "déjà été prévenue aujourd&#39;hui" in shown and "2 plis" in shown
    async with sessionmaker() as session:
        assert await session.scalar(select(Enrollment.id).limit(1)) is None
        notice = await session.scalar(select(MailNotice))
        assert notice is not None and notice.marks == 2
        event_id = await session.scalar(select(Event.id))
    enrolled = await client.post(
        f"/beneficiaries/{person_id}/enrol", data={"event_id": str(event_id), "csrf_token": token}
    )
    assert enrolled.status_code == 303
    after = (await client.get(f"/beneficiaries/{person_id}")).text
    assert "Inscription enregistrée" in after and "inscrit·e" in after


async def test_staff_export_and_admins_erase_after_typing_the_word(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    person_id = await _person(sessionmaker)
    client = lien_app.client
    exported = await client.get(f"/beneficiaries/{person_id}/export?format=json")
    assert exported.status_code == 200
    assert exported.json()["beneficiary_id"] == person_id
    document = await client.get(f"/beneficiaries/{person_id}/export?format=html")
    assert document.status_code == 200 and "Samira" in document.text
    assert (await client.get(f"/beneficiaries/{person_id}/erase")).status_code == 403

    client.cookies.clear()
    admin = await signed_in_as(lien_app, sessionmaker, "admin")
    page = await client.get(f"/beneficiaries/{person_id}/erase")
    token = csrf_of(page.text)
    wrong = await client.post(
        f"/beneficiaries/{person_id}/erase", data={"confirm": "oui", "csrf_token": token}
    )
    assert wrong.status_code == 422
    assert error_of(wrong.text, "confirm") == "Tapez exactement EFFACER pour confirmer."
    done = await client.post(
        f"/beneficiaries/{person_id}/erase", data={"confirm": "EFFACER", "csrf_token": token}
    )
    assert done.status_code == 303
    async with sessionmaker() as session:
        person = await session.get_one(Beneficiary, person_id)
        assert person.erased_at is not None and person.first_name is None
        actions = (
            await session.execute(
                select(AuditEvent.action, AuditEvent.staff_member_id, AuditEvent.details).where(
                    AuditEvent.action.in_((audit.EXPORT, audit.ERASE))
                )
            )
        ).all()
    assert sorted((a, d["via"]) for a, _s, d in actions) == [
        ("erase", "console"),
        ("export", "console"),
        ("export", "console"),
    ]
    assert any(a == "erase" and s == admin.id for a, s, _d in actions)
