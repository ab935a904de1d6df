"""Urgency heard in people's words by SMS and Telegram, through the real libraries and the fake."""

from __future__ import annotations

from typing import Any

import pytest

from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from tests.bot.urgency_cases import (
    BEATEN_BY_HUSBAND,
    EMERGENCY_WORDS,
    NUMBERS,
    STREET_WITH_BABY,
    params,
)
from tests.lien.conftest import App, bearer
from tests.lien.people import SmsPerson, TelegramPerson

LANGUAGE_KEYS = ("fr", "en", "ar", "ti", "fa", "ps")
PRIORITY = {"baby_pregnancy": "high", "expulsion": "high"}


async def tickets(app: App, sessionmaker: SessionMaker) -> list[dict[str, Any]]:
    headers = await bearer(sessionmaker)
    response = await app.client.get("/api/tickets", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def assert_answered(category: str, lang: str, replies: list[str]) -> None:
    """The emergency numbers come first, in the person's language; other kinds get none."""
    numbers = NUMBERS.get(category)
    if numbers is None:
        assert not any("3919" in text or "119" in text for text in replies)
        return
    first = replies[0]
    assert EMERGENCY_WORDS[lang] in first.lower(), first
    assert all(number in first for number in numbers), first


def assert_ticket(category: str, text: str, ticket: dict[str, Any]) -> None:
    assert ticket["priority"] == PRIORITY.get(category, "urgent")
    (heard,) = ticket["urgency"]
    assert heard["category"] == category and heard["label"]
    assert heard["words"] and all(word in text for word in heard["words"][0].split())


@pytest.mark.parametrize(("category", "lang", "text"), params())
async def test_a_first_sms_that_speaks_of_urgency_is_answered_and_queued_at_once(
    provider_app: App,
    fake_provider: FakeProviderServer,
    sessionmaker: SessionMaker,
    category: str,
    lang: str,
    text: str,
) -> None:
    person = SmsPerson(provider_app, fake_provider)
    replies = await person.say(text)
    assert_answered(category, lang, replies)
    assert "Votre langue ? / Your language?" in replies[-1]  # the accueil goes on
    (ticket,) = await tickets(provider_app, sessionmaker)
    assert_ticket(category, text, ticket)


@pytest.mark.parametrize(("category", "lang", "text"), params())
async def test_urgency_on_telegram_mid_conversation_raises_the_ticket(
    provider_app: App,
    fake_provider: FakeProviderServer,
    sessionmaker: SessionMaker,
    category: str,
    lang: str,
    text: str,
) -> None:
    person = TelegramPerson(provider_app, fake_provider, language_code=lang)
    (*_notice, question) = await person.say("/start")
    if question.buttons:  # French is every record's default: the person is asked
        await person.press(str(LANGUAGE_KEYS.index(lang) + 1))
    # Said where the flow asks for a first name: the words are heard all the same.
    replies = [received.text for received in await person.say(text)]
    assert_answered(category, lang, replies)
    (ticket,) = await tickets(provider_app, sessionmaker)
    assert_ticket(category, text, ticket)
    assert ticket["language"] == lang


async def test_sleeping_outside_with_a_baby_then_unusable_answers_stays_urgent_shelter(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    person = SmsPerson(provider_app, fake_provider)
    street, _welcome = await person.say(STREET_WITH_BABY)
    assert street.startswith("Sans abri ce soir : appelez le 115")
    for answer in ("svp", "aide moi", "svp"):  # answers the language menu cannot use
        await person.say(answer)
    (ticket,) = await tickets(provider_app, sessionmaker)
    assert (ticket["priority"], ticket["need"], ticket["reason"]) == (
        "urgent",
        "shelter",
        "not_understood",
    )
    assert [(u["label"], u["words"]) for u in ticket["urgency"]] == [
        ("dort dehors ou sans abri", ["dors dehors"]),
        ("bébé ou grossesse", ["bébé"]),
    ]


async def test_a_woman_beaten_gets_3919_and_an_urgent_ticket_on_both_channels(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    sms = SmsPerson(provider_app, fake_provider)
    answer, _welcome = await sms.say(BEATEN_BY_HUSBAND)
    assert "3919" in answer and "17" in answer and answer.startswith("En danger")
    telegram = TelegramPerson(provider_app, fake_provider, chat=777, language_code="fr")
    (answer_tg, *_rest) = await telegram.say(BEATEN_BY_HUSBAND)
    assert answer_tg.text == answer
    found = await tickets(provider_app, sessionmaker)
    assert [(t["priority"], t["need"], t["urgency"][0]["words"]) for t in found] == [
        ("urgent", "talk", ["frappe"]),
        ("urgent", "talk", ["frappe"]),
    ]


async def test_urgency_never_lowers_a_ticket_and_numbers_are_not_repeated_at_once(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    person = SmsPerson(provider_app, fake_provider)
    for text in ("Bonjour", "1", "Amina", "0"):  # asks for a person: a normal ticket
        await person.say(text)
    (before,) = await tickets(provider_app, sessionmaker)
    assert before["priority"] == "normal"
    (answer, _ack) = await person.say("je veux mourir")  # outside any conversation
    assert "3114" in answer
    assert (await tickets(provider_app, sessionmaker))[0]["priority"] == "urgent"
    replies = await person.say("on m'expulse demain, et je veux mourir")
    assert not any("3114" in reply for reply in replies)
    (after,) = await tickets(provider_app, sessionmaker)
    assert after["id"] == before["id"] and after["priority"] == "urgent"
    assert [u["category"] for u in after["urgency"]] == ["suicide", "expulsion"]
    assert after["urgency"][0]["words"] == ["veux mourir"]
