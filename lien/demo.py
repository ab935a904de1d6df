"""Demo data: two associations, a few people, and a token to try the API with."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.records import add_contact, create_beneficiary, ensure_organisation, find_contact
from lien.auth import create_token

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
    return await create_token(session, name="demo-admin", role="admin")
