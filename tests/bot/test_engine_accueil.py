"""Whole accueil conversations, in French, English and Arabic, through `advance`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.conversation import (
    AddTag,
    Choice,
    End,
    Handoff,
    OpenTicket,
    SendDirectory,
    SetField,
    SetLanguage,
)
from tests.bot.rehearsal import Rehearsal

ChatMaker = Callable[..., Rehearsal]

# language choice, then a word of each language the tests look for
LANGUAGES = [
    pytest.param("1", "fr", "Appelez le 115", id="fr"),
    pytest.param("2", "en", "Call 115", id="en"),
    pytest.param("3", "ar", "اتصل بالرقم 115", id="ar"),
]

FIRST_NAME_QUESTION = {
    "fr": "Quel est votre prénom ? (0 pour passer)",
    "en": "What is your first name? (0 to skip)",
    "ar": "ما اسمك الأول؟ (أرسل 0 للتخطي)",
}


def introduce(chat: Rehearsal, language_key: str, name: str = "Amina") -> None:
    """Choose the language and give a first name: the conversation then asks for the need."""
    chat.say(language_key)
    chat.say(name)
    assert chat.state.node == "need"


def test_first_message_offers_languages_in_their_own_script(chat: ChatMaker) -> None:
    conversation = chat()

    (welcome,) = conversation.last.outputs
    assert "Bonjour" in welcome.text
    assert "Hello" in welcome.text
    assert "مرحبا" in welcome.text
    assert [choice.label for choice in welcome.choices] == [
        "Français",
        "English",
        "العربية",
        "ትግርኛ",
        "دری / فارسی",
        "پښتو",
    ]


@pytest.mark.parametrize(("key", "lang", "_call_115"), LANGUAGES)
def test_language_choice_then_notice_with_stop_then_first_name(
    chat: ChatMaker, key: str, lang: str, _call_115: str
) -> None:
    conversation = chat()

    step = conversation.say(key)

    assert step.effects == [SetLanguage(lang)]
    notice, first_name = step.outputs
    assert "STOP" in notice.text
    assert conversation.state.language == lang
    assert conversation.state.node == "first_name"
    assert first_name.text == FIRST_NAME_QUESTION[lang]


@pytest.mark.parametrize(("key", "lang", "call_115"), LANGUAGES)
def test_no_place_tonight_gives_115_an_urgent_ticket_and_shelters(
    chat: ChatMaker, key: str, lang: str, call_115: str
) -> None:
    conversation = chat()
    introduce(conversation, key)

    conversation.say("1")
    step = conversation.say("2")  # no place to sleep tonight
    assert call_115 in conversation.texts(step)[0]
    step = conversation.say("2")  # not a minor alone

    assert OpenTicket("shelter", "urgent") in step.effects
    assert SendDirectory("shelter", ("siao-115", "accueil-de-nuit")) in step.effects
    directory_text, closing = conversation.texts(step)
    assert "115 - Samu social du Gard (SIAO)" in directory_text
    assert "Amina" in closing
    assert conversation.effects(AddTag) == [AddTag("no_shelter_tonight")]
    assert conversation.effects(SetField) == [
        SetField("first_name", "Amina"),
        SetField("need", "shelter"),
    ]
    assert conversation.state.node == "follow_up"


@pytest.mark.parametrize(("key", "lang", "_call_115"), LANGUAGES)
def test_health_emergency_gives_emergency_numbers_in_the_very_next_message(
    chat: ChatMaker, key: str, lang: str, _call_115: str
) -> None:
    conversation = chat()
    introduce(conversation, key)
    conversation.say("2")

    step = conversation.say("1")  # yes, an emergency now

    first = step.outputs[0].text
    assert all(number in first for number in ("15", "112", "115"))
    assert OpenTicket("health", "urgent") in step.effects
    assert AddTag("health_emergency") in step.effects
    assert any("PASS - CHU Carémeau" in text for text in conversation.texts(step))


def test_health_without_emergency_is_a_normal_ticket(chat: ChatMaker) -> None:
    conversation = chat()
    introduce(conversation, "1")
    conversation.say("santé")

    step = conversation.say("non")

    assert OpenTicket("health", "normal") in step.effects
    assert "15 (SAMU)" not in step.outputs[0].text


def test_minor_alone_is_urgent_and_told_about_119(chat: ChatMaker) -> None:
    conversation = chat()
    introduce(conversation, "1")
    conversation.say("hebergement")
    conversation.say("oui")  # has a place tonight

    step = conversation.say("oui")  # under 18, alone

    assert "119" in step.outputs[0].text
    assert AddTag("minor_alone") in step.effects
    assert OpenTicket("shelter", "urgent") in step.effects


def test_papers_with_a_deadline_are_high_priority(chat: ChatMaker) -> None:
    conversation = chat()
    introduce(conversation, "2")
    conversation.say("papers")
    conversation.say("yes")  # a letter with a deadline

    step = conversation.say("no")

    assert OpenTicket("rights", "high") in step.effects
    assert any("La Cimade" in text for text in conversation.texts(step))


def test_nothing_to_eat_today_is_high_priority(chat: ChatMaker) -> None:
    conversation = chat()
    introduce(conversation, "3", name="محمد")
    conversation.say("أكل")

    step = conversation.say("لا")

    assert OpenTicket("food", "high") in step.effects
    assert "شكرا محمد." in conversation.texts(step)[-1]


@pytest.mark.parametrize(
    ("answer", "need", "entry"),
    [
        ("4", "french", "Ateliers sociolinguistiques (exemple)"),
        ("6", "work", "France Travail (ex-Pôle emploi)"),
    ],
)
def test_needs_without_urgency_question_go_straight_to_orientation(
    chat: ChatMaker, answer: str, need: str, entry: str
) -> None:
    conversation = chat()
    introduce(conversation, "1")

    step = conversation.say(answer)

    assert OpenTicket(need, "normal") in step.effects
    assert entry in conversation.texts(step)[0]


def test_talk_to_someone_hands_off_with_the_message(chat: ChatMaker) -> None:
    conversation = chat()
    introduce(conversation, "1")
    conversation.say("7")

    step = conversation.say("Je suis perdu, je ne sais pas où aller.")

    assert step.effects == [
        SetField("message", "Je suis perdu, je ne sais pas où aller."),
        OpenTicket("talk", "normal"),
        Handoff("asked_for_person"),
        End("handoff"),
    ]
    assert "Une personne de l'équipe va vous répondre" in step.outputs[0].text
    assert conversation.state.status == "handed_off"


def test_skipped_first_name_leaves_no_gap(chat: ChatMaker) -> None:
    conversation = chat()
    conversation.say("1")

    step = conversation.say("0")

    assert step.outputs[0].text == "Merci. De quoi avez-vous besoin ?"
    assert not conversation.effects(SetField)


def test_known_language_skips_the_language_question(chat: ChatMaker) -> None:
    conversation = chat(lang="ar")

    notice, first_name = conversation.last.outputs

    assert "STOP" in notice.text
    assert first_name.text.startswith("ما اسمك")
    assert conversation.last.effects == []


def test_choices_are_given_apart_for_telegram_buttons(chat: ChatMaker) -> None:
    conversation = chat(lang="en")

    step = conversation.say("Sam")

    (need,) = step.outputs
    assert need.text == "Thank you Sam. What do you need?"
    assert need.choices[0] == Choice("1", "Shelter")
    assert need.plain_text().split("\n")[1:3] == ["1. Shelter", "2. Health"]


def test_a_reply_after_orientation_goes_to_the_team(chat: ChatMaker) -> None:
    conversation = chat(lang="fr")
    conversation.say("Amina")
    conversation.say("5")
    conversation.say("oui")

    step = conversation.say("Merci, à quelle heure ?")

    assert SetField("message", "Merci, à quelle heure ?") in step.effects
    assert Handoff("reply_after_orientation") in step.effects
