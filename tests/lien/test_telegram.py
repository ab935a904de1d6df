"""Telegram end to end: the webhook through PTB's Application, replies through PTB's Bot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Beneficiary, ChannelState, ContactPoint, Message
from db.session import SessionMaker
from fakeprovider import FakeProviderServer, Fault
from gateway.channels.base import Choice
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from tests.lien.conftest import (
    TELEGRAM_SECRET,
    App,
    provider_settings,
    started,
    without_domains,
)


@pytest.fixture
async def provider_app(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer
) -> AsyncIterator[App]:
    """The gateway without domains: every call the fake provider records is this test's own."""
    settings = provider_settings(database_url, fake_provider)
    async for app in started(settings, wiring=without_domains):
        yield app


SECRET = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


def update(update_id: int = 1000, text: str = "Bonjour", chat: int = 4242) -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "Amanuel", "language_code": "ar"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "text": text,
            "from": user,
            "chat": {"id": chat, "type": "private", "first_name": "Amanuel"},
        },
    }


async def inbound_count(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        total = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        )
        return int(total or 0)


async def test_updates_need_the_secret_token(provider_app: App, sessionmaker: SessionMaker) -> None:
    client = provider_app.client
    assert (await client.post("/webhooks/telegram", json=update())).status_code == 403
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
    assert (
        await client.post("/webhooks/telegram", json=update(), headers=wrong)
    ).status_code == 403
    assert await inbound_count(sessionmaker) == 0
    assert (
        await client.post("/webhooks/telegram", json=update(), headers=SECRET)
    ).status_code == 200
    async with sessionmaker() as session:
        contact = await session.scalar(select(ContactPoint))
        assert contact is not None and (contact.channel, contact.address) == ("telegram", "4242")
        person = await session.get_one(Beneficiary, contact.beneficiary_id)
        assert person.language == "ar"


async def test_a_repeated_update_id_is_processed_once(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    for _ in range(3):
        response = await provider_app.client.post(
            "/webhooks/telegram", json=update(), headers=SECRET
        )
        assert response.status_code == 200
    assert await inbound_count(sessionmaker) == 1


async def test_malformed_updates_get_a_4xx_with_a_reason(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    client = provider_app.client
    cases: list[tuple[bytes, int]] = [
        (b"{not json", 400),
        (b"\xff\xfe\xfd", 400),
        (json.dumps({"message": {}}).encode(), 400),
        (json.dumps({"update_id": "12"}).encode(), 400),
        (json.dumps([1, 2, 3]).encode(), 400),
        (json.dumps({"update_id": 5, "message": "oops"}).encode(), 400),
        (json.dumps({"update_id": 6, "padding": "x" * 70_000}).encode(), 413),
    ]
    for body, expected in cases:
        response = await client.post(
            "/webhooks/telegram",
            content=body,
            headers={**SECRET, "Content-Type": "application/json"},
        )
        assert response.status_code == expected, (body[:40], response.text)
        assert response.json()["detail"]
    assert await inbound_count(sessionmaker) == 0


async def test_a_reply_with_choices_becomes_buttons(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    await provider_app.client.post("/webhooks/telegram", json=update(), headers=SECRET)
    async with sessionmaker() as session, session.begin():
        person_id = await session.scalar(select(ContactPoint.beneficiary_id))
        assert person_id is not None
        await queue_message(
            session,
            OutgoingMessage(
                beneficiary_id=person_id,
                text="Venez-vous ?",
                origin=Origin("flow"),
                choices=(Choice("1", "Oui"), Choice("2", "Non")),
            ),
        )
    await provider_app.runtime.dispatcher.run_once()
    (call,) = fake_provider.state.telegram_calls("sendMessage")
    assert str(call.params["chat_id"]) == "4242" and call.params["text"] == "Venez-vous ?"
    markup = call.params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    labels = [row[0]["text"] for row in markup["inline_keyboard"]]
    assert labels == ["Oui", "Non"]


async def test_a_button_press_arrives_as_the_choice_key(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    user = {"id": 4242, "is_bot": False, "first_name": "A"}
    press = {
        "update_id": 2000,
        "callback_query": {
            "id": "cb1",
            "from": user,
            "chat_instance": "x",
            "data": "2",
            "message": {
                "message_id": 9,
                "date": 1_790_000_000,
                "text": "Venez-vous ?",
                "chat": {"id": 4242, "type": "private"},
            },
        },
    }
    response = await provider_app.client.post("/webhooks/telegram", json=press, headers=SECRET)
    assert response.status_code == 200
    async with sessionmaker() as session:
        assert (await session.scalars(select(Message.body))).all() == ["2"]


async def test_stop_on_telegram_confirms_on_telegram(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    await provider_app.client.post("/webhooks/telegram", json=update(text="STOP"), headers=SECRET)
    await provider_app.runtime.dispatcher.run_once()
    (call,) = fake_provider.state.telegram_calls("sendMessage")
    assert "START" in call.params["text"]  # Arabic, from the person's Telegram language


async def queue_to_telegram(provider_app: App, sessionmaker: SessionMaker) -> int:
    await provider_app.client.post("/webhooks/telegram", json=update(), headers=SECRET)
    async with sessionmaker() as session, session.begin():
        person_id = await session.scalar(select(ContactPoint.beneficiary_id))
        assert person_id is not None
        message_id = await queue_message(
            session,
            OutgoingMessage(beneficiary_id=person_id, text="Info", origin=Origin("staff")),
        )
    assert message_id is not None
    return message_id


async def test_a_blocked_bot_records_an_opt_out(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    message_id = await queue_to_telegram(provider_app, sessionmaker)
    fake_provider.state.inject("telegram", Fault.telegram_blocked())
    await provider_app.runtime.dispatcher.run_once()
    async with sessionmaker() as session:
        stored = await session.get_one(Message, message_id)
        assert (stored.status, stored.error_code) == ("failed", "403")
        assert (await session.scalars(select(ContactPoint.opted_out))).all() == [True]


async def test_flood_control_pauses_the_channel_and_keeps_the_message(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    message_id = await queue_to_telegram(provider_app, sessionmaker)
    fake_provider.state.inject("telegram", Fault.telegram_retry_after(7))
    await provider_app.runtime.dispatcher.run_once()
    async with sessionmaker() as session:
        stored = await session.get_one(Message, message_id)
        state = await session.get_one(ChannelState, "telegram")
    assert stored.status == "queued" and stored.not_before is not None
    assert state.paused_until is not None
    assert 6 <= (state.paused_until - stored.updated_at).total_seconds() <= 8


async def test_an_update_with_a_lone_surrogate_is_stored_and_answered_200(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    # json.dumps writes the lone surrogate as the escape \udc80, as a client could.
    body = json.dumps(update(update_id=1777, text="Bonjour \udc80 Amanuel"))
    response = await provider_app.client.post(
        "/webhooks/telegram",
        content=body.encode(),
        headers={**SECRET, "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    async with sessionmaker() as session:
        bodies = list(await session.scalars(select(Message.body).where(Message.direction == "in")))
    assert bodies == ["Bonjour \ufffd Amanuel"]
