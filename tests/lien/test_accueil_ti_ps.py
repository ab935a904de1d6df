"""Whole accueil conversations in Tigrinya (Telegram) and Pashto (SMS): no French reaches them."""

from __future__ import annotations

import re

import pytest

from bot.directory import load_directory
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from tests.lien.conftest import App, bearer
from tests.lien.people import SmsPerson, TelegramPerson

# What may stay in Latin letters: names of places, the keyword to stop, the SAMU's name.
_ALLOWED = sorted(
    {
        *(entry.name for entry in load_directory().entries),
        *(entry.address for entry in load_directory().entries if entry.address),
        "STOP",
        "SAMU",
        "PUMa",
        "AME",
        "Amanuel",
    },
    key=len,
    reverse=True,
)
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


def french_left(text: str) -> list[str]:
    """Return the Latin-letter words of a text once place names and keywords are taken out."""
    for allowed in _ALLOWED:
        text = text.replace(allowed, " ")
    return _LATIN.findall(text)


def assert_no_french(texts: list[str]) -> None:
    for text in texts:
        assert french_left(text) == [], text


async def test_a_whole_conversation_in_tigrinya_on_telegram(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    person = TelegramPerson(provider_app, fake_provider, language_code="ti")
    said = []
    notice, first_name = await person.say("/start")
    assert "STOP" in notice.text and "ቀዳማይ ስምኩም" in first_name.text
    (need,) = await person.say("Amanuel")
    assert need.text == "የቐንየለይ Amanuel። እንታይ ሓገዝ የድልየኩም?"
    assert need.buttons[0] == "መደቀሲ" and need.buttons[-1] == "ምስ ሰብ ምዝራብ"
    (tonight,) = await person.press("1")  # shelter
    (reask,) = await person.say("ብዙሕ ሓሳብ")  # not an answer
    assert reask.text.startswith("ይቕሬታ") and reask.buttons == ("እወ", "ኣይፋል")
    call_115, minor = await person.say("ኣይፋል")  # no place to sleep tonight
    assert "115" in call_115.text and minor.buttons == ("እወ", "ኣይፋል")
    orientation, closing = await person.press("2")  # not a minor alone
    assert orientation.text.startswith("ናበይ ትኸዱ፡") and "ህጹጽ መደቀሲ ንለይቲ።" in orientation.text
    assert closing.text.startswith("የቐንየለይ Amanuel።")
    said = [notice, first_name, need, tonight, reask, call_115, minor, orientation, closing]
    assert_no_french([m.text for m in said] + [b for m in said for b in m.buttons])

    headers = await bearer(sessionmaker)
    (ticket,) = (await provider_app.client.get("/api/tickets", headers=headers)).json()
    assert (ticket["language"], ticket["need"], ticket["priority"]) == ("ti", "shelter", "urgent")
    assert ticket["unreviewed_texts"] is True


async def test_a_whole_conversation_in_pashto_by_sms(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    person = SmsPerson(provider_app, fake_provider)
    (welcome,) = await person.say("سلام")  # the greeting comes before any language is known
    assert "پښتو" in welcome
    notice, first_name = await person.say("پښتو")
    (need,) = await person.say("0")  # no first name
    (emergency_question,) = await person.say("2")  # health
    urgent, orientation, closing = await person.say("هو")  # yes, now
    assert "15 (SAMU) یا 112" in urgent and orientation.startswith("چېرته ولاړ شئ:")
    assert "PASS - CHU Carémeau" in orientation
    assert closing.startswith("مننه.")  # no first name: nothing left behind it
    (nudge_free,) = await person.say("مننه")  # after orientation: to the team
    assert_no_french(
        [notice, first_name, need, emergency_question, urgent, orientation, closing, nudge_free]
    )
    headers = await bearer(sessionmaker)
    (ticket,) = (await provider_app.client.get("/api/tickets", headers=headers)).json()
    assert (ticket["language"], ticket["need"], ticket["priority"]) == ("ps", "health", "urgent")
    assert ticket["unreviewed_texts"] is True


@pytest.mark.parametrize(
    ("answer", "lang"),
    [
        ("tigrinya", "ti"),
        ("ትግርኛ", "ti"),
        ("Tigrigna", "ti"),
        ("pashto", "ps"),
        ("پښتو", "ps"),
        ("پشتو", "ps"),
        ("dari", "fa"),
        ("farsi", "fa"),
        ("فارسی", "fa"),
        ("arabi", "ar"),
    ],
)
async def test_the_language_question_takes_its_name_in_any_script(
    provider_app: App,
    fake_provider: FakeProviderServer,
    sessionmaker: SessionMaker,
    answer: str,
    lang: str,
) -> None:
    person = SmsPerson(provider_app, fake_provider)
    await person.say("Bonjour")
    notice, _first_name = await person.say(answer)
    assert "STOP" in notice and french_left(notice) == []
    await person.say("0")
    headers = await bearer(sessionmaker)
    people = await provider_app.client.get(
        "/api/beneficiaries", params={"phone": person.phone}, headers=headers
    )
    assert people.json()[0]["language"] == lang


@pytest.mark.parametrize(("code", "lang"), [("prs", "fa"), ("ps-AF", "ps"), ("ti-ER", "ti")])
async def test_telegram_language_codes_choose_the_language(
    provider_app: App, fake_provider: FakeProviderServer, code: str, lang: str
) -> None:
    person = TelegramPerson(provider_app, fake_provider, language_code=code)
    notice, _first_name = await person.say("/start")
    expected = {"fa": "STOP بفرستید", "ps": "STOP ولېږئ", "ti": "STOP ስደዱ"}[lang]
    assert expected in notice.text
