"""Engine rules that hold anywhere in a flow: anytime words, re-asking, odd answers, timeouts."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from bot.conversation import (
    ConversationOver,
    ConversationState,
    End,
    Handoff,
    OpenTicket,
    SendDirectory,
    SetField,
    SetLanguage,
)
from bot.engine import advance, flow_text, next_timeout, on_timeout, start
from bot.flowdef import Flow
from tests.bot.rehearsal import Rehearsal

ChatMaker = Callable[..., Rehearsal]


def at_need(chat: ChatMaker, lang: str = "fr") -> Rehearsal:
    conversation = chat(lang=lang)
    conversation.say("Amina")
    return conversation


# Anytime words ----------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["MENU", "menu", "Aide", "help !", "قائمة"])
def test_menu_goes_back_to_the_needs_from_anywhere(chat: ChatMaker, word: str) -> None:
    conversation = at_need(chat)
    conversation.say("1")
    assert conversation.state.node == "shelter_tonight"

    step = conversation.say(word)

    assert conversation.state.node == "need"
    assert len(step.outputs[0].choices) == 7


def test_language_can_be_changed_midway(chat: ChatMaker) -> None:
    conversation = at_need(chat)
    conversation.say("2")

    step = conversation.say("LANGUE")
    assert step.outputs[0].text == "Choisissez votre langue :"
    step = conversation.say("arabe")

    assert step.effects == [SetLanguage("ar")]
    assert step.outputs[0].text == "شكرا Amina. كيف يمكننا مساعدتك؟"


@pytest.mark.parametrize("word", ["AGENT", "agent", "0"])
def test_agent_or_zero_asks_for_a_person(chat: ChatMaker, word: str) -> None:
    conversation = at_need(chat, lang="en")

    step = conversation.say(word)

    assert step.effects == [Handoff("asked_for_person"), End("handoff")]
    assert step.outputs[0].text.startswith("A member of our team will answer you")
    assert not conversation.state.active


def test_zero_skips_the_first_name_instead_of_calling_a_person(chat: ChatMaker) -> None:
    conversation = chat(lang="fr")

    step = conversation.say("0")

    assert conversation.state.node == "need"
    assert not any(isinstance(effect, Handoff) for effect in step.effects)


def test_stop_is_left_to_the_gateway(chat: ChatMaker) -> None:
    conversation = at_need(chat)

    step = conversation.say("STOP")

    assert conversation.state.node == "need"  # only re-asked, as any unknown answer
    assert conversation.state.reasks == 1
    assert not step.effects


def test_anytime_word_inside_a_sentence_is_an_ordinary_answer(chat: ChatMaker) -> None:
    conversation = at_need(chat)

    conversation.say("menu logement")

    assert conversation.state.node == "shelter_tonight"


# Unusable answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "reask"),
    [
        ("fr", "Je n'ai pas compris. Répondez avec un numéro de la liste."),
        ("en", "Sorry, I did not understand. Please reply with a number from the list."),
        ("ar", "عذرا، لم أفهم. أرسل رقما من القائمة."),
    ],
)
def test_unknown_answers_are_reasked_twice_then_handed_off(
    chat: ChatMaker, lang: str, reask: str
) -> None:
    conversation = at_need(chat, lang=lang)

    first = conversation.say("blabla")
    second = conversation.say("9")
    third = conversation.say("???")

    for step in (first, second):
        assert step.outputs[0].text == reask
        assert [choice.key for choice in step.outputs[0].choices] == list("1234567")
        assert step.effects == []
    assert third.effects == [Handoff("not_understood"), End("handoff")]
    assert conversation.state.status == "handed_off"


def test_a_good_answer_resets_the_reask_count(chat: ChatMaker) -> None:
    conversation = at_need(chat)
    conversation.say("blabla")
    conversation.say("blabla")
    conversation.say("1")

    conversation.say("peut-être")
    step = conversation.say("peut-être")

    assert conversation.state.reasks == 2
    assert not any(isinstance(effect, Handoff) for effect in step.effects)


def test_an_empty_first_name_is_asked_again_with_the_question(chat: ChatMaker) -> None:
    conversation = chat(lang="fr")

    step = conversation.say("🙂🙂")

    assert step.outputs[0].text == (
        "Je n'ai pas compris. Répondez avec quelques mots.\nQuel est votre prénom ? (0 pour passer)"
    )
    assert conversation.state.node == "first_name"


def test_emoji_in_a_name_are_kept_and_shown(chat: ChatMaker) -> None:
    conversation = chat(lang="fr")

    step = conversation.say("Amina 🌸")

    assert step.effects == [SetField("first_name", "Amina 🌸")]
    assert step.outputs[0].text.startswith("Merci Amina 🌸.")


def test_long_answers_are_cut_for_saved_fields(chat: ChatMaker) -> None:
    conversation = chat(lang="fr")

    conversation.say("A" * 10_000)
    conversation.say("7")
    step = conversation.say("mot " * 10_000)

    assert len(conversation.state.fields["first_name"]) == 60
    assert len(conversation.state.fields["message"]) <= 500
    assert Handoff("asked_for_person") in step.effects


def test_control_characters_and_broken_surrogates_are_dropped(chat: ChatMaker) -> None:
    conversation = chat(lang="fr")

    conversation.say("Ami\x00na\ud83d\u200b")

    assert conversation.state.fields["first_name"] == "Amina"
    json.dumps(conversation.state.to_json(), ensure_ascii=False).encode("utf-8")


def test_state_survives_json_with_every_script(chat: ChatMaker) -> None:
    conversation = chat(lang="fa")
    conversation.say("زهرا")
    conversation.say("1")

    stored = json.loads(json.dumps(conversation.state.to_json()))

    assert ConversationState.from_json(stored) == conversation.state
    assert stored["language"] == "fa"
    assert stored["fields"] == {"first_name": "زهرا", "need": "shelter"}


# Timeouts ----------------------------------------------------------------------------------------


def test_silence_gets_one_nudge_then_the_conversation_ends(chat: ChatMaker) -> None:
    conversation = at_need(chat)
    asked = conversation.now
    assert next_timeout(conversation.state) == asked + timedelta(hours=4)
    assert conversation.state.expires_at == asked + timedelta(days=2)

    assert conversation.later(timedelta(hours=3)).outputs == []
    nudge = conversation.later(timedelta(hours=2))
    again = conversation.later(timedelta(hours=1))
    end = conversation.later(timedelta(days=2))

    (reminder,) = nudge.outputs
    assert reminder.text.startswith("Nous attendons votre réponse, quand vous voulez.\n")
    assert "De quoi avez-vous besoin ?" in reminder.text
    assert len(reminder.choices) == 7
    assert again.outputs == [] and again.effects == []
    assert next_timeout(again.state) == asked + timedelta(days=2)
    assert end.outputs[0].text.startswith("Sans réponse de votre part")
    assert end.effects == [End("timeout")]
    assert next_timeout(end.state) is None


def test_an_answer_after_the_nudge_carries_on(chat: ChatMaker) -> None:
    conversation = at_need(chat)
    conversation.later(timedelta(hours=5))

    conversation.say("2")

    assert conversation.state.node == "health_emergency"
    assert conversation.state.nudge_at == conversation.now + timedelta(hours=1)


def test_silence_on_an_urgency_question_still_opens_the_ticket(chat: ChatMaker) -> None:
    conversation = at_need(chat)
    conversation.say("1")
    conversation.say("2")  # nowhere to sleep tonight, then silence on the minor question

    step = conversation.later(timedelta(hours=6))

    assert OpenTicket("shelter", "urgent") in step.effects
    assert conversation.state.node == "follow_up"


def test_silence_after_orientation_ends_quietly(chat: ChatMaker) -> None:
    conversation = at_need(chat)
    conversation.say("4")

    step = conversation.later(timedelta(days=3))

    assert step.outputs == []
    assert step.effects == [End("completed")]


def test_timeout_on_a_finished_conversation_does_nothing(chat: ChatMaker) -> None:
    conversation = at_need(chat)
    conversation.say("AGENT")

    step = conversation.later(timedelta(days=10))

    assert step.outputs == [] and step.effects == []


# Contract with the caller ------------------------------------------------------------------------


def test_answering_a_finished_conversation_is_refused(chat: ChatMaker) -> None:
    conversation = at_need(chat)
    conversation.say("AGENT")

    with pytest.raises(ConversationOver):
        conversation.say("hello")


def test_times_without_zone_are_refused(accueil: Flow) -> None:
    with pytest.raises(ValueError, match="time zone"):
        start(accueil, now=datetime(2025, 3, 4, 9, 30))


def test_a_state_from_another_flow_is_refused(accueil: Flow, now: datetime) -> None:
    state = ConversationState(flow_id="other", node="need")

    with pytest.raises(ValueError, match='flow "other"'):
        advance(accueil, state, "1", now=now)


def test_a_state_at_a_removed_node_is_over(accueil: Flow, now: datetime) -> None:
    state = ConversationState(flow_id="accueil", node="old_question")

    with pytest.raises(ConversationOver):
        advance(accueil, state, "1", now=now)
    expired = state.model_copy(update={"expires_at": now})
    assert on_timeout(accueil, expired, now=now).effects == [End("timeout")]


def test_without_a_directory_the_category_is_still_given(accueil: Flow, now: datetime) -> None:
    step = start(accueil, lang="fr", now=now)
    step = advance(accueil, step.state, "0", now=now)

    step = advance(accueil, step.state, "4", now=now)

    assert OpenTicket("french", "normal") in step.effects
    assert SendDirectory("french", ()) in step.effects
    assert step.outputs[0].text.startswith("Merci.")


def test_catalogue_texts_for_the_gateway(accueil: Flow) -> None:
    assert "lundi au vendredi" in flow_text(accueil, "out_of_flow", lang="fr")
    assert "Monday to Friday" in flow_text(accueil, "out_of_flow", lang="en")
    french = flow_text(accueil, "out_of_flow", lang="fr")
    assert flow_text(accueil, "out_of_flow", lang="xx") == french  # a language without texts
    assert flow_text(accueil, "out_of_flow", lang="ps").startswith("ستاسو د پیغام مننه")
    with pytest.raises(KeyError):
        flow_text(accueil, "nothing", lang="fr")


def test_an_unknown_language_answer_gets_the_multilingual_greeting_again(chat: ChatMaker) -> None:
    conversation = chat()
    welcome = conversation.last.outputs[0]

    step = conversation.say("salam")

    assert step.outputs == [welcome]
    assert conversation.state.reasks == 1


@pytest.mark.parametrize(("lang", "expected"), [("en-GB", "en"), ("AR", "ar"), ("de", None)])
def test_a_known_language_is_read_from_its_primary_tag(
    chat: ChatMaker, lang: str, expected: str | None
) -> None:
    conversation = chat(lang=lang)

    assert conversation.state.language == expected
    assert conversation.state.node == ("first_name" if expected else "language")


def test_braces_in_an_answer_are_shown_as_written(chat: ChatMaker) -> None:
    conversation = chat(lang="fr")

    step = conversation.say("{need} {0}")

    assert step.outputs[0].text.startswith("Merci {need} {0}.")
