"""The accueil handler on a real database: conversations, tickets, pauses, out-of-flow answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbound import Accueil
from bot.tickets import open_or_join
from db.base import utcnow
from db.models import BeneficiaryTag, Message, TriageTicket
from db.session import SessionMaker
from gateway.inbound import InboundContext, InboundRouter
from tests.bot.visitor import Visitor
from tests.factories import create_person, create_site

OPENING_HOURS = "du lundi au vendredi, 9h-12h30 et 14h-17h"


async def walk_to_need(visitor: Visitor, *, language_key: str = "1", name: str = "Amina") -> None:
    await visitor.say("Bonjour")
    await visitor.say(language_key)
    await visitor.say(name)


async def test_a_first_message_starts_the_accueil_with_the_language_choice(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)

    (greeting,) = await visitor.say("Salam, j'ai besoin d'aide")

    assert "Votre langue ?" in greeting and "3. العربية" in greeting
    conversation = await visitor.conversation()
    assert (conversation.status, conversation.state["node"]) == ("active", "language")
    assert conversation.next_timeout_at is not None
    assert visitor.last is not None and visitor.last.handled_by == "accueil"
    assert conversation.first_message_id == visitor.last.message.id


async def test_no_place_tonight_gives_an_urgent_shelter_ticket_and_the_record(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    await walk_to_need(visitor, language_key="2", name="John")

    await visitor.say("housing")
    (call_115, minor) = await visitor.say("no")
    orientation, closing = await visitor.say("2")

    assert "Call 115" in call_115 and "under 18" in minor
    assert "115 - Samu social du Gard (SIAO)" in orientation and "Tel. 115" in orientation
    assert "Thank you John" in closing
    (ticket,) = await visitor.tickets()
    assert (ticket.need, ticket.priority, ticket.language, ticket.status, ticket.source) == (
        "shelter",
        "urgent",
        "en",
        "new",
        "flow",
    )
    assert ticket.directory_entries == ["siao-115", "accueil-de-nuit"]
    assert ticket.first_message_id == (await visitor.conversation()).first_message_id
    person = await visitor.person()
    assert (person.first_name, person.language) == ("John", "en")
    assert person.fields == {"need": "shelter"}
    tags = await session.scalars(select(BeneficiaryTag.tag))
    assert list(tags) == ["no_shelter_tonight"]


async def test_unusable_answers_are_reasked_twice_then_handed_to_staff(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    await walk_to_need(visitor)

    first = await visitor.say("🙏🙏")
    second = await visitor.say("je sais pas " * 300)
    handoff = await visitor.say("???")

    assert first[0].startswith("Je n'ai pas compris") and "1. Hébergement" in first[0]
    assert second[0].startswith("Je n'ai pas compris")
    assert handoff == [
        "Une personne de l'équipe va vous répondre, du lundi au vendredi. "
        "Urgence : 15 ou 112. Sans abri : 115."
    ]
    (ticket,) = await visitor.tickets()
    assert (ticket.source, ticket.reason, ticket.need) == ("handoff", "not_understood", None)
    assert (await visitor.conversation()).status == "handed_off"


async def test_a_message_out_of_any_flow_opens_a_ticket_and_is_acknowledged(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_person(session, language="ar", simulator="+33612345678")
    visitor = Visitor(session, router)

    (ack,) = await visitor.say("السلام عليكم، عندي موعد في المحافظة")
    again = await visitor.say("هل يمكنكم مساعدتي؟")

    assert "الاستقبال مفتوح من الاثنين إلى الجمعة" in ack
    assert again == []  # the same ticket, acknowledged a moment ago
    (ticket,) = await visitor.tickets()
    assert (ticket.source, ticket.status, ticket.language) == ("out_of_flow", "new", "ar")
    assert ticket.acknowledged_at is not None
    ticket.acknowledged_at -= timedelta(hours=3)
    (later,) = await visitor.say("؟")
    assert later == ack
    assert len(await visitor.tickets()) == 1


async def test_a_french_out_of_flow_answer_gives_the_opening_hours(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_person(session, simulator="+33612345678")
    (ack,) = await Visitor(session, router).say("Bonjour, je viens demain ?")
    assert OPENING_HOURS in ack


async def test_while_staff_are_on_it_the_flow_pauses_and_resumes_once_resolved(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    await walk_to_need(visitor)
    await visitor.say("5")  # food: "do you have food for today?" waits
    ticket, _new = await open_or_join(
        session,
        person=await visitor.person(),
        need=None,
        priority="normal",
        source="staff",
        contact_point_id=None,
        first_message_id=None,
        now=utcnow(),
    )
    ticket.status = "in_progress"

    assert await visitor.say("2") == []
    assert (await visitor.conversation()).state["node"] == "food_today"
    assert ticket.last_message_at is not None

    ticket.status = "waiting"
    assert await visitor.say("Merci, je viens demain") == []
    assert ticket.status == "in_progress"  # the person answered: back to the team

    ticket.status = "resolved"
    resumed = await visitor.say("2")  # the food question, answered at last
    assert any("Restos du Coeur" in text for text in resumed)
    assert [t.status for t in await visitor.tickets()] == ["resolved", "new"]


async def test_menu_from_someone_known_goes_straight_to_the_needs(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_person(session, language="en", simulator="+33612345678")

    (needs,) = await Visitor(session, router).say("MENU")

    assert needs.startswith("Thank you Awa. What do you need?")
    assert "7. Talk to someone" in needs


async def test_langue_from_someone_known_offers_the_languages(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_person(session, simulator="+33612345678")

    (languages,) = await Visitor(session, router).say("Langue")

    assert languages.startswith("Choisissez votre langue")


async def test_start_begins_again_even_mid_conversation(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router, channel="telegram", address="4242", language_hint="ar")
    (notice, first_name) = await visitor.say("/start")
    await visitor.say("Amina")

    again = await visitor.say("/start")

    assert "STOP" in notice and first_name.startswith("ما اسمك الأول")
    assert again == [notice, first_name]
    assert (await visitor.conversation()).state["node"] == "first_name"


async def test_telegram_buttons_keep_the_choices_apart_from_the_text(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router, channel="telegram", address="4242")
    await visitor.say("/start")
    assert visitor.last is not None
    (reply_id,) = visitor.last.replies
    message = await session.get_one(Message, reply_id)

    assert message.body is not None and "1. Français" not in message.body
    assert message.choices is not None and message.choices[0] == ["1", "Français"]
    assert message.origin_kind == "flow" and message.origin_ref == "accueil"


async def test_a_long_story_and_emoji_are_saved_cut_to_size(
    session: AsyncSession, router: InboundRouter
) -> None:
    await create_site(session)
    visitor = Visitor(session, router)
    await walk_to_need(visitor, name="🌸 Mariam " + "x" * 200)
    await visitor.say("7")  # talk to someone

    replies = await visitor.say("Je dors dans la gare 🚉 " * 100)

    person = await visitor.person()
    assert person.first_name is not None and person.first_name.startswith("🌸 Mariam")
    assert len(person.first_name) == 60
    assert len(person.fields["message"]) == 500
    assert replies[-1].startswith("Une personne de l'équipe va vous répondre")
    (ticket,) = await visitor.tickets()
    assert (ticket.need, ticket.reason) == ("talk", "asked_for_person")


async def test_two_messages_of_one_person_at_once_take_turns(
    sessionmaker: SessionMaker, accueil_service: Accueil
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_person(session, simulator="+33612345678")

    async def slow_reader(ctx: InboundContext) -> bool:
        await asyncio.sleep(0.05)  # the other message arrives while this one is held here
        return False

    router = InboundRouter()
    router.register("slow", slow_reader, order=1)
    router.register("accueil", accueil_service.handle, order=100)

    async def write(text: str) -> None:
        async with sessionmaker() as session, session.begin():
            await Visitor(session, router).say(text)

    await asyncio.gather(write("Bonjour"), write("Il y a quelqu'un ?"))
    async with sessionmaker() as session:
        handled = await session.scalars(
            select(Message.handled_by).where(Message.direction == "in").order_by(Message.id)
        )
        assert list(handled) == ["accueil", "accueil"]
        (ticket,) = (await session.scalars(select(TriageTicket))).all()
        assert ticket.source == "out_of_flow"


async def test_the_acknowledgement_gives_the_sites_own_opening_hours_when_set(
    session: AsyncSession, router: InboundRouter
) -> None:
    site = await create_site(session)
    site.info = {**site.info, "opening_hours": "mardi et jeudi 9h-12h"}
    await create_person(session, site=site, simulator="+33612345678")
    visitor = Visitor(session, router)

    (ack,) = await visitor.say("Bonjour, j'ai une question sur mon dossier")

    assert "Horaires de l'accueil : mardi et jeudi 9h-12h." in ack
    assert "du lundi au vendredi" not in ack
