"""People writing to Lien through the real webhooks and reading what the fake provider got."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from twilio.request_validator import RequestValidator

from fakeprovider import DEFAULT_TWILIO_TOKEN, FakeProviderServer
from tests.lien.conftest import PUBLIC_URL, TELEGRAM_SECRET, TWILIO_NUMBER, App

_ids = itertools.count(1)


@dataclass(frozen=True)
class Received:
    """A message as the person's phone shows it: its text and its buttons, if any."""

    text: str
    buttons: tuple[str, ...] = ()


class SmsPerson:
    """Someone texting the reception's number from their phone."""

    def __init__(self, app: App, provider: FakeProviderServer, phone: str = "+33612345678"):
        self.app = app
        self.provider = provider
        self.phone = phone
        self.seen = 0

    async def say(self, text: str) -> list[str]:
        """Text the reception; return the SMS that came back."""
        params = {
            "MessageSid": f"SM{next(_ids):032d}",
            "AccountSid": "AC" + "0" * 32,
            "From": self.phone,
            "To": TWILIO_NUMBER,
            "Body": text,
            "NumMedia": "0",
        }
        url = f"{PUBLIC_URL}/webhooks/twilio"
        signature = RequestValidator(DEFAULT_TWILIO_TOKEN).compute_signature(url, params)
        response = await self.app.client.post(
            "/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200, response.text
        return await self.inbox()

    async def inbox(self) -> list[str]:
        """Let the dispatcher send what is due; return the SMS not read yet."""
        await self.app.runtime.dispatcher.run_once()
        bodies = [
            str(message["body"])
            for message in self.provider.state.twilio_messages()
            if message["to"] == self.phone
        ]
        new, self.seen = bodies[self.seen :], len(bodies)
        return new


class TelegramPerson:
    """Someone writing to the bot from a private chat."""

    def __init__(
        self,
        app: App,
        provider: FakeProviderServer,
        chat: int = 4242,
        language_code: str | None = "ar",
    ):
        self.app = app
        self.provider = provider
        self.chat = chat
        self.language_code = language_code
        self.seen = 0

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.chat, "is_bot": False, "first_name": "Amanuel"}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    async def say(self, text: str) -> list[Received]:
        """Type a message; return what the bot sent back."""
        update_id = next(_ids)
        message = {
            "message_id": update_id,
            "date": 1_790_000_000,
            "text": text,
            "from": self._user(),
            "chat": {"id": self.chat, "type": "private"},
        }
        return await self._post({"update_id": update_id, "message": message})

    async def press(self, key: str) -> list[Received]:
        """Press the button whose data is `key` under the bot's last message."""
        update_id = next(_ids)
        query = {
            "id": f"cb{update_id}",
            "from": self._user(),
            "chat_instance": "x",
            "data": key,
            "message": {
                "message_id": 1,
                "date": 1_790_000_000,
                "text": "…",
                "chat": {"id": self.chat, "type": "private"},
            },
        }
        return await self._post({"update_id": update_id, "callback_query": query})

    async def _post(self, update: dict[str, Any]) -> list[Received]:
        response = await self.app.client.post(
            "/webhooks/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        )
        assert response.status_code == 200, response.text
        return await self.inbox()

    async def inbox(self) -> list[Received]:
        """Let the dispatcher send what is due; return the bot's messages not read yet."""
        await self.app.runtime.dispatcher.run_once()
        calls = [
            call
            for call in self.provider.state.telegram_calls("sendMessage")
            if str(call.params.get("chat_id")) == str(self.chat) and call.status == 200
        ]
        new, self.seen = calls[self.seen :], len(calls)
        return [Received(str(call.params["text"]), _buttons(call.params)) for call in new]


def _buttons(params: Any) -> tuple[str, ...]:
    markup = params.get("reply_markup")
    if not markup:
        return ()
    keyboard = json.loads(markup) if isinstance(markup, str) else markup
    return tuple(row[0]["text"] for row in keyboard["inline_keyboard"])
