"""Two associations side by side, each with a bit of everything, for the isolation walk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import (
    Attachment,
    AuditEvent,
    Broadcast,
    DirectoryOverride,
    Enrollment,
    Event,
    ImportJob,
    MailNotice,
    Message,
    Occurrence,
    StaffMember,
    TicketNote,
    TranslationOverride,
    TriageTicket,
)
from db.session import SessionMaker
from gateway.records import add_contact, create_beneficiary, ensure_organisation
from lien.auth import ROLES, create_token
from lien.console.accounts import create_staff_member
from tests.lien.console.conftest import PASSWORD, sign_in


@dataclass
class Association:
    """What one organisation holds, by id, and the words that only it may show."""

    slug: str
    organisation_id: int = 0
    site_slug: str = ""
    site_id: int = 0
    person_id: int = 0
    ticket_id: int = 0
    event_id: int = 0
    occurrence_id: int = 0
    broadcast_id: int = 0
    import_id: int = 0
    attachment_id: int = 0
    staff_ids: dict[str, int] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)
    entry_id: str = ""
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)


async def seed(
    session: AsyncSession, *, slug: str, word: str, phone: str, now: datetime
) -> Association:
    """Create an organisation whose every name, text and number carries `word` or `phone`."""
    site = await ensure_organisation(
        session,
        slug=slug,
        name=f"Association {word}",
        site_slug=f"site-{slug}",
        site_name=f"Accueil {word}",
    )
    found = Association(
        slug=slug, organisation_id=site.organisation_id, site_slug=site.slug, site_id=site.id
    )
    person = await create_beneficiary(
        session, site=site, first_name=f"Prenom{word}", last_name=f"Nom{word}", tags=["isolé"]
    )
    await add_contact(session, person, channel="sms", address=phone)
    found.person_id = person.id
    message = Message(
        beneficiary_id=person.id,
        channel="sms",
        direction="in",
        body=f"message de {word}",
        status="received",
        origin_kind="person",
        created_at=now,
    )
    session.add(message)
    await session.flush()
    # A photo kept for this association: its row is enough, another association never
    # reaches the store.
    photo = Attachment(
        organisation_id=site.organisation_id,
        message_id=message.id,
        position=0,
        provider_ref=f"photo-{slug}",
        detected_type="image/png",
        size=68,
        storage_key=f"{site.organisation_id}/photo",
        status="stored",
        created_at=now,
    )
    session.add(photo)
    await session.flush()
    found.attachment_id = photo.id
    ticket = TriageTicket(
        beneficiary_id=person.id,
        site_id=site.id,
        need="shelter",
        priority="normal",
        language="fr",
        status="new",
        source="message",
        first_message_id=message.id,
        last_message_at=now,
    )
    session.add(ticket)
    await session.flush()
    session.add(TicketNote(ticket_id=ticket.id, text=f"note privée {word}"))
    event = Event(
        site_id=site.id,
        kind="workshop",
        texts={"fr": {"title": f"Atelier {word}", "text": f"Atelier {word}"}},
        place=f"Salle {word}",
        rrule="FREQ=WEEKLY;COUNT=3",
        dtstart_local=(now + timedelta(days=7)).replace(tzinfo=None, microsecond=0),
        duration_minutes=60,
        reminder_offsets=[],
    )
    session.add(event)
    await session.flush()
    start = now + timedelta(days=7)
    occurrence = Occurrence(
        event_id=event.id, original_start=start, start=start, end=start + timedelta(hours=1)
    )
    session.add(occurrence)
    session.add(
        Enrollment(
            event_id=event.id,
            beneficiary_id=person.id,
            status="enrolled",
            position=1,
            source="staff",
        )
    )
    session.add(MailNotice(beneficiary_id=person.id, day=now.date()))
    broadcast = Broadcast(
        organisation_id=site.organisation_id, title=f"Alerte {word}", audience={}, status="draft"
    )
    session.add(broadcast)
    upload = ImportJob(
        organisation_id=site.organisation_id,
        default_site_id=site.id,
        filename=f"usagers-{word}.csv",
        data=f"Nom;Tél.\r\n{word};{phone}\r\n".encode(),
        status="running",
        total=1,
        heartbeat_at=now,
        created_at=now,
    )
    session.add(upload)
    entry = f"maraude-{slug}"
    session.add(
        DirectoryOverride(
            organisation_id=site.organisation_id,
            entry_id=entry,
            fields={
                "id": entry,
                "name": f"Maraude {word}",
                "categories": ["food"],
                "what": {"fr": f"Repas {word}"},
            },
            updated_at=now,
        )
    )
    session.add(
        TranslationOverride(
            organisation_id=site.organisation_id,
            catalogue="flux accueil",
            key='node "need": text',
            language="ti",
            text=f"ሰላም {word}",
            updated_at=now,
        )
    )
    await session.flush()
    session.add(AuditEvent(action="beneficiary.view", beneficiary_id=person.id, details={}))
    found.ticket_id, found.event_id = ticket.id, event.id
    found.occurrence_id, found.broadcast_id, found.entry_id = occurrence.id, broadcast.id, entry
    found.import_id = upload.id
    for role in ROLES:
        email = f"{role}@{slug}.example.org"
        member = await create_staff_member(
            session,
            email=email,
            name=f"{role} {word}",
            role=role,
            password=PASSWORD,
            organisation_id=site.organisation_id,
        )
        found.staff_ids[role] = member.id
        found.emails[role] = email
        token = await create_token(
            session, name=f"jeton {role} {word}", role=role, organisation_id=site.organisation_id
        )
        found.tokens[role] = {"Authorization": f"Bearer {token}"}
        holder = await session.scalar(
            select(StaffMember.id).where(StaffMember.name == f"jeton {role} {word}")
        )
        found.token_ids[role] = int(holder or 0)
    national = "0" + phone.removeprefix("+33")
    found.secrets = [word, phone, national, " ".join(national[i : i + 2] for i in range(0, 10, 2))]
    return found


async def two_associations(sessionmaker: SessionMaker) -> tuple[Association, Association]:
    """Seed the Nîmes and Aude associations, committed for the app to see."""
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        nimes = await seed(session, slug="ami-nimes", word="Gardois", phone="+33611110001", now=now)
        aude = await seed(session, slug="ami-aude", word="Audois", phone="+33622220002", now=now)
    return nimes, aude


def leaked(other: Association, response: httpx.Response) -> list[str]:
    """Return the other association's words found in an answer."""
    body = response.text
    return [secret for secret in other.secrets if secret in body]


async def console_client(app: httpx.AsyncClient, email: str) -> None:
    """Sign a console client in; raise if the sign-in is refused."""
    answer = await sign_in(app, email)
    assert answer.status_code == 303, answer.text
