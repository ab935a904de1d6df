"""Demo data: two associations, a few people, console logins and a token to try the API with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Organisation, StaffMember
from gateway.records import add_contact, create_beneficiary, ensure_organisation, find_contact
from lien.auth import create_token
from lien.console.accounts import create_staff_member, new_password_hash, set_password
from lien.console.signin import find_by_email

DEMO_PEOPLE = [
    # (site slug, first name, language, phone, tags)
    ("nimes-accueil", "Amanuel", "ti", "+33612340001", ["nouvel arrivant"]),
    ("nimes-accueil", "Fatima", "ar", "+33612340002", ["famille"]),
    ("nimes-accueil", "Ahmad", "fa", "+33612340003", ["isolé"]),
    ("lezignan", "Josette", "fr", "+33612340004", ["isolé", "à risque"]),
    ("lezignan", "Manuel", "fr", "+33612340005", ["famille"]),
]


async def load_demo(session: AsyncSession) -> str:
    """Create the demo organisations and people unless present; return a fresh admin token."""
    nimes = await ensure_organisation(
        session,
        slug="ami-nimes",
        name="AMI — point d'accueil de Nîmes",
        site_slug="nimes-accueil",
        site_name="Point d'accueil et d'orientation, Nîmes",
    )
    nimes.school_zone = "C"
    lezignan = await ensure_organisation(
        session,
        slug="ami-aude",
        name="A.M.I. Aude — Aide Mutuelle à l'Insertion",
        site_slug="lezignan",
        site_name="Centre social de Lézignan-Corbières",
    )
    lezignan.school_zone = "C"
    sites = {"nimes-accueil": nimes, "lezignan": lezignan}
    for site_slug, first_name, language, phone, tags in DEMO_PEOPLE:
        if await find_contact(session, channel="sms", address=phone) is not None:
            continue
        person = await create_beneficiary(
            session, site=sites[site_slug], first_name=first_name, language=language, tags=tags
        )
        await add_contact(session, person, channel="sms", address=phone)
        await add_contact(session, person, channel="simulator", address=phone)
    return await create_token(
        session, name="demo-admin", role="admin", organisation_id=nimes.organisation_id
    )


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


# Known passwords, printed at start: the demo holds no real person's data.
DEMO_LOGINS = (
    ("admin", "admin@example.org", "Camille (admin démo)", "lien-demo-admin"),
    ("staff", "equipe@example.org", "Claire (équipe démo)", "lien-demo-equipe"),
    ("volunteer", "benevole@example.org", "Karim (bénévole démo)", "lien-demo-benevole"),
)


async def load_demo_logins(session: AsyncSession) -> list[DemoLogin]:
    """Create the demo console accounts, or give them back their role and password."""
    site_org = await session.scalar(select(Organisation.id).where(Organisation.slug == "ami-nimes"))
    logins = []
    for role, email, name, password in DEMO_LOGINS:
        member: StaffMember | None = await find_by_email(session, email)
        if member is None:
            await create_staff_member(
                session,
                email=email,
                name=name,
                role=role,
                password=password,
                organisation_id=site_org,
            )
        else:
            member.role, member.active = role, True
            await set_password(session, member, await new_password_hash(password), now=utcnow())
        logins.append(DemoLogin(role, email, password))
    return logins
