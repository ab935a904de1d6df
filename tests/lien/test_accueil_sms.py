"""Whole accueil conversations by SMS: signed Twilio webhooks in, the real twilio library out."""

from __future__ import annotations

from typing import Any

import pytest

from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from tests.lien.conftest import App, bearer
from tests.lien.people import SmsPerson

CONVERSATIONS = [
    pytest.param(
        "1",
        "fr",
        {
            "first_name": "Quel est votre prénom ?",
            "need": "Merci Amina. De quoi avez-vous besoin ?",
            "115": "Appelez le 115",
            "closing": "Merci Amina. Une personne de l'équipe va vous recontacter",
        },
        id="fr",
    ),
    pytest.param(
        "English",
        "en",
        {
            "first_name": "What is your first name?",
            "need": "Thank you Amina. What do you need?",
            "115": "Call 115",
            "closing": "Thank you Amina. A member of our team will contact you soon.",
        },
        id="en",
    ),
    pytest.param(
        "٣",  # "3" typed on an Arabic keyboard
        "ar",
        {
            "first_name": "ما اسمك الأول؟",
            "need": "شكرا Amina. كيف يمكننا مساعدتك؟",
            "115": "اتصل بالرقم 115",
            "closing": "شكرا Amina. سيتصل بك شخص من فريقنا قريبا.",
        },
        id="ar",
    ),
]


async def queue(app: App, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await app.client.get("/api/tickets", params=params, headers=headers)
    assert response.status_code == 200, response.text
    tickets: list[dict[str, Any]] = response.json()
    return tickets


@pytest.mark.parametrize(("language_answer", "lang", "says"), CONVERSATIONS)
async def test_a_newcomer_without_shelter_is_oriented_and_queued_first(
    provider_app: App,
    fake_provider: FakeProviderServer,
    sessionmaker: SessionMaker,
    language_answer: str,
    lang: str,
    says: dict[str, str],
) -> None:
    headers = await bearer(sessionmaker)
    earlier = SmsPerson(provider_app, fake_provider, phone="+33698765432")
    await earlier.say("Bonjour")
    await earlier.say("0")  # asks for a person: a normal ticket, older
    person = SmsPerson(provider_app, fake_provider)

    (welcome,) = await person.say("Bonjour")
    assert "Votre langue ? / Your language? / لغتك؟" in welcome
    assert "\n1. Français\n2. English\n3. العربية" in welcome
    notice, first_name = await person.say(language_answer)
    assert "STOP" in notice and first_name.startswith(says["first_name"])
    (need,) = await person.say("Amina")
    assert need.startswith(says["need"])
    await person.say("1")  # shelter
    call_115, _minor = await person.say("2")  # nowhere to sleep tonight
    assert says["115"] in call_115
    orientation, closing = await person.say("2")  # not a minor alone

    assert "115 - Samu social du Gard (SIAO)" in orientation
    assert closing.startswith(says["closing"])
    first, second = await queue(provider_app, headers)
    assert (first["need"], first["priority"], first["language"]) == ("shelter", "urgent", lang)
    assert (first["first_name"], first["status"]) == ("Amina", "new")
    assert first["directory_entries"] == ["siao-115", "accueil-de-nuit"]
    assert second["priority"] == "normal"
    assert [t["id"] for t in await queue(provider_app, headers, language=lang, need="shelter")] == [
        first["id"]
    ]


async def test_staff_take_over_reply_through_the_outbox_and_hand_back_to_the_flow(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    headers = await bearer(sessionmaker)
    client = provider_app.client
    person = SmsPerson(provider_app, fake_provider)
    for text in ("Bonjour", "1", "Amina", "3"):  # rights and papers
        await person.say(text)
    (deadline_question,) = await person.say("oui")  # a letter with a deadline
    assert "moins de 18 ans" in deadline_question
    ticket_id = await _handoff(person, provider_app, headers)

    taken = await client.post(f"/api/tickets/{ticket_id}/assign", headers=headers)
    assert (taken.json()["status"], taken.json()["priority"]) == ("in_progress", "high")
    assert await person.say("2") == []  # paused: the answer goes to the team, not the flow
    reply = await client.post(
        f"/api/tickets/{ticket_id}/replies",
        json={"text": "Bonjour Amina, venez mardi à 10h avec votre courrier."},
        headers=headers,
    )
    assert reply.status_code == 201, reply.text
    assert await person.inbox() == ["Bonjour Amina, venez mardi à 10h avec votre courrier."]
    note = await client.post(
        f"/api/tickets/{ticket_id}/notes", json={"text": "OQTF reçue le 2/03"}, headers=headers
    )
    assert note.status_code == 201

    detail = (await client.get(f"/api/tickets/{ticket_id}", headers=headers)).json()
    assert [n["text"] for n in detail["notes"]] == ["OQTF reçue le 2/03"]
    bodies = [(m["direction"], m["origin"], m["body"]) for m in detail["conversation"]]
    assert bodies[0] == ("in", "person", "Bonjour")
    assert ("in", "person", "2") in bodies
    assert bodies[-1][:2] == ("out", "staff")

    resolved = await client.patch(
        f"/api/tickets/{ticket_id}", json={"status": "resolved"}, headers=headers
    )
    assert resolved.json()["resolved_at"] is not None
    (menu,) = await person.say("MENU")
    assert menu.startswith("Merci Amina. De quoi avez-vous besoin ?")


async def _handoff(person: SmsPerson, app: App, headers: dict[str, str]) -> int:
    (handoff,) = await person.say("AGENT")
    assert handoff.startswith("Une personne de l'équipe va vous répondre")
    (ticket,) = (await app.client.get("/api/tickets", headers=headers)).json()
    assert (ticket["need"], ticket["reason"]) == ("rights", "asked_for_person")
    return int(ticket["id"])


async def test_unusable_answers_emoji_and_a_very_long_text_end_with_a_person(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    person = SmsPerson(provider_app, fake_provider)
    for text in ("Bonjour", "1", "0"):  # French, no first name given
        await person.say(text)

    (emoji,) = await person.say("👍🙏")
    (long,) = await person.say("Je ne sais pas quoi choisir, " * 60)
    (handoff,) = await person.say("euh")

    for reask in (emoji, long):
        assert reask.startswith("Je n'ai pas compris. Répondez avec un numéro de la liste.")
        assert "\n1. Hébergement\n" in reask and "\n7. Parler à quelqu'un" in reask
    assert handoff.startswith("Une personne de l'équipe va vous répondre")
    headers = await bearer(sessionmaker)
    (ticket,) = (await provider_app.client.get("/api/tickets", headers=headers)).json()
    assert (ticket["source"], ticket["reason"]) == ("handoff", "not_understood")


async def test_a_message_out_of_any_flow_is_acknowledged_with_the_opening_hours(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    headers = await bearer(sessionmaker)
    created = await provider_app.client.post(
        "/api/beneficiaries",
        json={"first_name": "Josette", "phone": "+33612345678"},
        headers=headers,
    )
    assert created.status_code == 201
    person = SmsPerson(provider_app, fake_provider)

    (ack,) = await person.say("Bonjour, l'atelier de mardi a-t-il lieu ?")

    assert "du lundi au vendredi, 9h-12h30 et 14h-17h" in ack
    (ticket,) = (await provider_app.client.get("/api/tickets", headers=headers)).json()
    assert (ticket["source"], ticket["status"], ticket["need"]) == ("out_of_flow", "new", None)


async def test_after_stop_replies_are_refused_and_messages_reach_the_inbox(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    headers = await bearer(sessionmaker)
    person = SmsPerson(provider_app, fake_provider)
    await person.say("Bonjour")
    await person.say("1")
    await person.say("AGENT")
    (ticket,) = (await provider_app.client.get("/api/tickets", headers=headers)).json()

    (confirmation,) = await person.say("STOP")
    refused = await provider_app.client.post(
        f"/api/tickets/{ticket['id']}/replies", json={"text": "Bonjour ?"}, headers=headers
    )

    assert "START" in confirmation
    assert refused.status_code == 409
    assert "ne plus recevoir" in refused.json()["detail"]
    assert await person.say("Vous êtes là ?") == []  # no automated answer after STOP
    inbox = (await provider_app.client.get("/api/inbox", headers=headers)).json()
    assert [item["body"] for item in inbox] == ["Vous êtes là ?"]  # a person of the team sees it
