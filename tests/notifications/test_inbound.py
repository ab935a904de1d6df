import functools
import itertools
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrollment, Message
from gateway.channels.base import InboundMessage
from gateway.inbound import INBOX, InboundRouter, receive
from notifications.inbound import handle
from tests.factories import create_person
from tests.notifications.conftest import NOW, people, workshop, zone_c_site

_ids = itertools.count()


async def say(session: AsyncSession, text: str, *, sender: str = "+33612000000") -> list[str]:
    router = InboundRouter()
    router.register("notifications", functools.partial(handle, now=NOW), order=20)
    inbound = InboundMessage("sms", sender, text, provider_id=f"SM{next(_ids)}")
    received = await receive(session, router, inbound)
    assert received is not None
    if received.handled_by != "notifications":
        return [received.handled_by]
    bodies = []
    for message_id in received.replies:
        bodies.append((await session.get_one(Message, message_id)).body or "")
    return bodies


async def test_activities_lists_the_next_sessions_and_a_number_enrols(
    session: AsyncSession,
) -> None:
    site = await zone_c_site(session)
    await workshop(session, site=site, start=datetime(2026, 12, 1, 9, 0), capacity=1)
    await workshop(
        session,
        site=site,
        start=datetime(2026, 11, 25, 14, 0),
        texts={"fr": {"title": "Distribution de colis"}},
        kind="distribution",
        rrule="FREQ=MONTHLY;BYDAY=-1WE;COUNT=6",
    )
    other = await zone_c_site(session, slug="lezignan")
    await workshop(session, site=other, texts={"fr": {"title": "Ailleurs"}})
    await people(session, 2, site=site)
    assert await say(session, "Activités") == [
        "Prochaines activités :\n"
        "Pour vous inscrire, répondez avec le numéro de l'activité.\n"
        "1. Distribution de colis, mercredi 25 novembre à 14h00\n"
        "2. Atelier cuisine, mardi 1er décembre à 9h00"
    ]
    assert await say(session, "2") == [
        "Votre inscription à Atelier cuisine est enregistrée. "
        "Prochaine séance : mardi 1er décembre à 9h00. Lieu : Salle 2."
    ]
    assert await say(session, "2") == ["Vous avez déjà une place à Atelier cuisine."]
    assert await say(session, "ATELIERS", sender="+33612000001")
    assert await say(session, "2", sender="+33612000001") == [
        "Atelier cuisine est complet : vous voici sur la liste d'attente (position 1). "
        "Nous vous écrirons si une place se libère."
    ]
    assert await say(session, "7") == [
        "Ce numéro n'est pas dans la liste. Envoyez ACTIVITES pour la revoir."
    ]
    statuses = (await session.execute(select(Enrollment.source, Enrollment.status))).all()
    assert sorted(statuses) == [("keyword", "enrolled"), ("keyword", "waitlisted")]


async def test_the_list_is_written_in_the_person_language(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    await workshop(session, site=site)
    await create_person(session, site=site, language="ar", phone="+33612000009")
    (menu,) = await say(session, "أنشطة", sender="+33612000009")
    assert menu.startswith("الأنشطة القادمة:")
    assert "1. Atelier cuisine، الخميس 26 نوفمبر الساعة 14:30" in menu


async def test_nothing_planned_and_other_words(session: AsyncSession) -> None:
    site = await zone_c_site(session)
    await people(session, 1, site=site)
    assert await say(session, "activities") == ["Aucune activité n'est prévue pour le moment."]
    assert await say(session, "Bonjour, je cherche un logement") == [INBOX]
