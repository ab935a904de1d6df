"""Whole accueil conversations on Telegram: updates through PTB, answers as buttons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Conversation
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from tests.lien.conftest import App, bearer
from tests.lien.people import Received, SmsPerson, TelegramPerson

NEEDS_AR = ("السكن", "الصحة", "الحقوق والأوراق", "تعلم الفرنسية", "الطعام", "العمل والتدريب")


@pytest.mark.parametrize(
    ("language_code", "lang", "emergency", "orientation"),
    [
        (None, "fr", "Appelez tout de suite le 15 (SAMU) ou le 112", "Où aller :"),
        ("en", "en", "Call 15 (medical emergency) or 112 right now", "Where to go:"),
        ("ar", "ar", "اتصل فورا بالرقم 15 (الإسعاف) أو 112", "أين تذهب:"),
    ],
)
async def test_a_health_emergency_on_telegram_gives_the_numbers_and_an_urgent_ticket(
    provider_app: App,
    fake_provider: FakeProviderServer,
    sessionmaker: SessionMaker,
    language_code: str | None,
    lang: str,
    emergency: str,
    orientation: str,
) -> None:
    person = TelegramPerson(provider_app, fake_provider, language_code=language_code)

    opening = await person.say("/start")
    if language_code is None:  # nothing tells the language: the person chooses it
        (welcome,) = opening
        assert welcome.buttons[:3] == ("Français", "English", "العربية")
        assert "1. Français" not in welcome.text
        opening = await person.press("1")
    notice, first_name = opening
    assert "STOP" in notice.text and first_name.buttons == ()
    (need,) = await person.say("Amanuel 🙂")
    await person.press("2")  # health
    (urgent, orient, closing) = await person.press("1")  # yes, an emergency now

    assert "Amanuel 🙂" in need.text and len(need.buttons) == 7
    assert emergency in urgent.text
    assert orient.text.startswith(orientation) and "PASS - CHU Carémeau" in orient.text
    assert "Amanuel 🙂" in closing.text
    headers = await bearer(sessionmaker)
    (ticket,) = (await provider_app.client.get("/api/tickets", headers=headers)).json()
    assert (ticket["need"], ticket["priority"], ticket["language"]) == ("health", "urgent", lang)


async def test_arabic_needs_are_buttons_in_arabic(
    provider_app: App, fake_provider: FakeProviderServer
) -> None:
    person = TelegramPerson(provider_app, fake_provider, language_code="ar")
    await person.say("/start")

    (need,) = await person.say("0")  # no first name

    assert need.text == "شكرا. كيف يمكننا مساعدتك؟"
    assert need.buttons[:6] == NEEDS_AR


async def test_agent_hands_over_and_the_staff_reply_reaches_the_chat(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    headers = await bearer(sessionmaker)
    person = TelegramPerson(provider_app, fake_provider, language_code="en")
    await person.say("/start")
    await person.say("Sara")

    (handoff,) = await person.say("agent")
    (ticket,) = (await provider_app.client.get("/api/tickets", headers=headers)).json()
    reply = await provider_app.client.post(
        f"/api/tickets/{ticket['id']}/replies",
        json={"text": "Hello Sara, how can we help?"},
        headers=headers,
    )

    assert handoff.text.startswith("A member of our team will answer you")
    assert reply.status_code == 201 and reply.json()["channel"] == "telegram"
    assert await person.inbox() == [Received("Hello Sara, how can we help?")]
    assert await person.say("I need a lawyer") == []  # staff are on it now
    detail = (await provider_app.client.get(f"/api/tickets/{ticket['id']}", headers=headers)).json()
    assert detail["status"] == "in_progress" and detail["assignee_id"] is not None
    assert detail["conversation"][-1]["body"] == "I need a lawyer"


async def test_an_sms_while_the_telegram_conversation_is_open_carries_it_on(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    headers = await bearer(sessionmaker)
    created = await provider_app.client.post(
        "/api/beneficiaries",
        json={"phone": "+33612345678", "telegram_chat_id": "4242", "language": "fr"},
        headers=headers,
    )
    assert created.status_code == 201
    telegram = TelegramPerson(provider_app, fake_provider, chat=4242, language_code="fr")
    sms = SmsPerson(provider_app, fake_provider, phone="+33612345678")
    _notice, first_name = await telegram.say("/start")
    assert first_name.text.startswith("Quel est votre prénom ?")

    (need,) = await sms.say("Amina")  # the same person answers the question by SMS

    assert need.startswith("Merci Amina. De quoi avez-vous besoin ?\n1. Hébergement")
    assert await telegram.inbox() == []
    (food_today,) = await telegram.press("5")  # back on Telegram, the conversation goes on
    assert food_today.text == "Avez-vous de quoi manger aujourd'hui ?"
    assert food_today.buttons == ("Oui", "Non")
    async with sessionmaker() as session:
        (conversation,) = (await session.scalars(select(Conversation))).all()
        assert conversation.state["fields"] == {"first_name": "Amina", "need": "food"}
