"""Administrator settings: channel health, the sending window, staff accounts; the simulator."""

from __future__ import annotations

import html

from sqlalchemy import select

from db.models import AuditEvent, Organisation, StaffMember
from db.session import SessionMaker
from gateway.policy import window_from_settings
from tests.lien.conftest import App
from tests.lien.console.conftest import PASSWORD, csrf_of, error_of, sign_in, signed_in_as

WINDOW = {
    "timezone": "Europe/Paris",
    "weekdays": ["0", "1", "2", "3", "4"],
    "start": "09:00",
    "end": "18:30",
}


async def test_channels_show_their_state_and_why_they_are_off(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "admin")
    page = html.unescape((await lien_app.client.get("/settings")).text)
    assert "Simulateur" in page and "actif" in page
    assert "TWILIO_ACCOUNT_SID et TWILIO_AUTH_TOKEN ne sont pas définis" in page
    assert "LIEN_TELEGRAM_BOT_TOKEN n'est pas défini" in page


async def test_the_sending_window_is_validated_then_saved_for_the_dispatcher(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "admin")
    client = lien_app.client
    async with sessionmaker() as session:
        org_id = await session.scalar(select(Organisation.id))
    page = await client.get(f"/settings?org={org_id}")
    assert 'value="08:00"' in page.text and 'value="20:00"' in page.text  # the default
    token = csrf_of(page.text)
    bad = {"timezone": "Mars/Olympus", "start": "18:00", "end": "9h", "csrf_token": token}
    refused = await client.post(f"/settings/sending-window?org={org_id}", data=bad)
    assert refused.status_code == 422
    assert error_of(refused.text, "timezone").startswith("Fuseau horaire inconnu")
    assert error_of(refused.text, "weekdays") == "Choisissez au moins un jour d'envoi."
    assert error_of(refused.text, "end").startswith("Heure attendue au format HH:MM")
    backwards = {**WINDOW, "start": "18:00", "end": "09:00", "csrf_token": token}
    refused = await client.post(f"/settings/sending-window?org={org_id}", data=backwards)
    assert error_of(refused.text, "end") == "L'heure de fin doit être après l'heure de début."
    saved = await client.post(
        f"/settings/sending-window?org={org_id}", data={**WINDOW, "csrf_token": token}
    )
    assert saved.status_code == 303
    async with sessionmaker() as session:
        org = await session.get_one(Organisation, org_id)
        window = window_from_settings(org.settings)
        audit = (await session.scalars(select(AuditEvent.action))).all()
    assert sorted(window.weekdays) == [0, 1, 2, 3, 4]
    assert (window.start.isoformat(), window.end.isoformat()) == ("09:00:00", "18:30:00")
    assert window.closed_on_public_holidays is False  # the box was not ticked
    assert audit == ["settings.sending_window"]
    shown = html.unescape((await client.get(f"/settings?org={org_id}")).text)
    assert "Fenêtre d'envoi enregistrée." in shown
    assert 'value="18:30"' in shown


async def test_an_admin_creates_accounts_with_checked_fields_and_can_unlock_them(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "admin")
    client = lien_app.client
    token = csrf_of((await client.get("/settings/staff")).text)
    bad = {"name": "", "email": "pas-une-adresse", "role": "chef", "password": "court"}
    refused = await client.post("/settings/staff", data={**bad, "csrf_token": token})
    assert refused.status_code == 422
    assert error_of(refused.text, "name") == "Ce champ est obligatoire."
    assert error_of(refused.text, "role") == "Choisissez une valeur de la liste."
    good = {"name": "Karim", "email": "karim@example.org", "role": "volunteer"}
    weak = await client.post(
        "/settings/staff", data={**good, "password": "court", "csrf_token": token}
    )
    assert error_of(weak.text, "password").startswith("Au moins 12 caractères")
    created = await client.post(
        "/settings/staff", data={**good, "password": PASSWORD, "csrf_token": token}
    )
    assert created.status_code == 303
    twice = await client.post(
        "/settings/staff",
        data={**good, "name": "Karim B", "password": PASSWORD, "csrf_token": token},
    )
    assert error_of(twice.text, "email") == "Un compte existe déjà avec cette adresse."
    async with sessionmaker() as session, session.begin():
        karim = await session.scalar(select(StaffMember).where(StaffMember.name == "Karim"))
        assert karim is not None and karim.role == "volunteer"
        karim.failed_logins = 0
        karim.locked_until = karim.created_at.replace(year=karim.created_at.year + 1)
    assert "Débloquer" in (await client.get("/settings/staff")).text
    await client.post(f"/settings/staff/{karim.id}/unlock", data={"csrf_token": token})
    await client.post(f"/settings/staff/{karim.id}/active", data={"csrf_token": token})
    async with sessionmaker() as session:
        stored = await session.get_one(StaffMember, karim.id)
        assert (stored.locked_until, stored.active) == (None, False)
        actions = (await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
    assert actions == ["staff.create", "staff.unlock", "staff.deactivate"]
    lien_app.client.cookies.clear()
    assert (await sign_in(lien_app.client, "karim@example.org")).status_code == 401


async def test_an_admin_cannot_deactivate_their_own_account(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    admin = await signed_in_as(lien_app, sessionmaker, "admin")
    token = csrf_of((await lien_app.client.get("/settings/staff")).text)
    await lien_app.client.post(f"/settings/staff/{admin.id}/active", data={"csrf_token": token})
    async with sessionmaker() as session:
        assert (await session.get_one(StaffMember, admin.id)).active


async def test_the_simulator_chats_as_a_person_and_checks_its_fields(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/simulator")).text)
    refused = await client.post(
        "/simulator", data={"sender": "12", "text": "", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert error_of(refused.text, "sender").startswith("Numéro de téléphone illisible")
    assert error_of(refused.text, "text") == "Ce champ est obligatoire."
    sent = await client.post(
        "/simulator", data={"sender": "06 12 00 00 31", "text": "STOP", "csrf_token": token}
    )
    assert sent.status_code == 303
    await lien_app.runtime.dispatcher.run_once()
    page = html.unescape((await client.get("/simulator")).text)
    assert "Conversation de +33612000031" in page
    assert "Vous ne recevrez plus de messages de notre part." in page
    assert "remis" in page


async def test_admins_see_the_texts_missing_or_to_review_per_language(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "admin")
    page = await lien_app.client.get("/settings/translations")
    assert page.status_code == 200
    assert 'value="ti" selected' in page.text  # the first language still to review
    assert page.text.count('data-status="draft"') > 90
    assert "የቐንየለይ {first_name}። እንታይ ሓገዝ የድልየኩም?" in page.text
    dari = (await lien_app.client.get("/settings/translations?language=fa")).text
    assert 'data-status="draft"' not in dari and 'data-status="missing"' in dari
    assert "Rappel : {title}, {when}. Lieu : {place}." in dari
    assert 'href="/settings/translations"' in page.text


async def test_volunteers_cannot_open_the_translations(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    page = await lien_app.client.get("/settings/translations")
    assert page.status_code in (302, 303, 403)
