"""What the fake provider remembers and how it is told to misbehave; safe to use from any thread."""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from fakeprovider.faults import Fault, FaultPlan, Service

DEFAULT_TWILIO_SID = "AC" + "0" * 32
DEFAULT_TWILIO_TOKEN = "fake-twilio-auth-token"  # noqa: S105 - known to tests, guards nothing
DEFAULT_TELEGRAM_TOKEN = "123456789:fake-telegram-token"  # noqa: S105 - same

CallbackOrder = Literal["in_order", "reversed", "shuffled"]
Message = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One API call as the fake saw it; `status` is None when the connection was dropped."""

    service: str
    method: str
    path: str
    params: Mapping[str, Any]
    status: int | None
    at: float
    recipient: str | None = None
    fault: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by the control endpoints."""
        return {
            "service": self.service,
            "method": self.method,
            "path": self.path,
            "params": dict(self.params),
            "status": self.status,
            "at": self.at,
            "recipient": self.recipient,
            "fault": self.fault,
        }


@dataclass(frozen=True, slots=True)
class StatusCallbackSettings:
    """How Twilio status callbacks are sent: off by default, as in a plain unit test."""

    enabled: bool = False
    delay: float = 0.0
    drop_rate: float = 0.0
    order: CallbackOrder = "in_order"
    seed: int = 0


@dataclass(frozen=True, slots=True)
class SentCallback:
    """One status callback: sent (with the receiver's answer) or dropped on purpose."""

    url: str
    params: Mapping[str, str]
    dropped: bool
    response_status: int | None
    at: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by the control endpoints."""
        return {
            "url": self.url,
            "params": dict(self.params),
            "dropped": self.dropped,
            "response_status": self.response_status,
            "at": self.at,
        }


@dataclass(slots=True)
class _Records:
    calls: deque[RecordedCall]
    twilio: dict[str, Message] = field(default_factory=dict)
    telegram: dict[tuple[str, str, int], Message] = field(default_factory=dict)
    telegram_ids: Counter[tuple[str, str]] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    callbacks: list[SentCallback] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Media:
    """A file a person sent: what Twilio serves at a media URL, or Telegram by file_id."""

    content: bytes
    content_type: str


class FakeProviderState:
    """Credentials, recorded calls, sent messages and the fault plan of one fake provider."""

    def __init__(
        self,
        *,
        twilio_account_sid: str = DEFAULT_TWILIO_SID,
        twilio_auth_token: str = DEFAULT_TWILIO_TOKEN,
        telegram_tokens: Iterable[str] = (DEFAULT_TELEGRAM_TOKEN,),
        latency: float = 0.0,
        status_callbacks: StatusCallbackSettings | None = None,
        max_recorded_calls: int = 100_000,
    ) -> None:
        self.twilio_account_sid = twilio_account_sid
        self.twilio_auth_token = twilio_auth_token
        credentials = f"{twilio_account_sid}:{twilio_auth_token}".encode()
        self.twilio_authorization = "Basic " + base64.b64encode(credentials).decode()
        self.telegram_tokens = frozenset(telegram_tokens)
        self._initial_latency = latency
        self._initial_callbacks = status_callbacks or StatusCallbackSettings()
        self._max_recorded_calls = max_recorded_calls
        self._lock = threading.Lock()
        self.latency = latency
        self.callback_settings = self._initial_callbacks
        self._plan = FaultPlan()
        self._records = _Records(calls=deque(maxlen=max_recorded_calls))

    # Control, from tests, benchmarks or the /_fake/ endpoints.

    def inject(
        self,
        service: Service,
        fault: Fault,
        *,
        to: str | int | None = None,
        method: str | None = None,
        times: int = 1,
    ) -> None:
        """Give `fault` to the next `times` matching calls (sending calls unless `method` says)."""
        recipient = None if to is None else str(to)
        with self._lock:
            self._plan.add(service, fault, method=method, to=recipient, times=times)

    def set_random_faults(
        self,
        *,
        seed: int,
        twilio: Iterable[tuple[float, Fault]] = (),
        telegram: Iterable[tuple[float, Fault]] = (),
    ) -> None:
        """Give sending calls a fault drawn with these probabilities, reproducibly from `seed`."""
        with self._lock:
            self._plan.set_random(seed=seed, odds={"twilio": twilio, "telegram": telegram})

    def clear_faults(self) -> None:
        """Forget scripted and random faults."""
        with self._lock:
            self._plan.clear()

    def set_latency(self, seconds: float) -> None:
        """Delay every API answer by `seconds`."""
        self.latency = seconds

    def set_status_callbacks(
        self, settings: StatusCallbackSettings | None = None, **changes: Any
    ) -> None:
        """Turn Twilio status callbacks on (by default) and tune delay, drops and order."""
        base = settings or StatusCallbackSettings(enabled=True)
        self.callback_settings = replace(base, **changes)

    def reset(self) -> None:
        """Forget every call, message and fault; go back to the settings given at creation."""
        with self._lock:
            self._plan = FaultPlan()
            self._records = _Records(calls=deque(maxlen=self._max_recorded_calls))
            self.latency = self._initial_latency
            self.callback_settings = self._initial_callbacks

    # Observation.

    def calls(self, *, service: str | None = None, method: str | None = None) -> list[RecordedCall]:
        """Return recorded calls, oldest first, optionally of one service and method."""
        with self._lock:
            calls = list(self._records.calls)
        return [
            call
            for call in calls
            if (service is None or call.service == service)
            and (method is None or call.method == method)
        ]

    def twilio_calls(self, method: str | None = None) -> list[RecordedCall]:
        """Return recorded Twilio calls (create, fetch, update, delete)."""
        return self.calls(service="twilio", method=method)

    def telegram_calls(self, method: str | None = None) -> list[RecordedCall]:
        """Return recorded Telegram calls, optionally of one Bot API method."""
        return self.calls(service="telegram", method=method)

    def twilio_messages(self) -> list[Message]:
        """Return the Twilio messages that exist, as Twilio would show them."""
        with self._lock:
            return [dict(message) for message in self._records.twilio.values()]

    def telegram_messages(self) -> list[Message]:
        """Return the Telegram messages the bots sent, as last edited."""
        with self._lock:
            return [dict(message) for message in self._records.telegram.values()]

    def calls_to(self, address: str | int) -> int:
        """Count the messages created for a phone number or chat id, including faulted ones."""
        with self._lock:
            return self._records.created[str(address)]

    def status_callbacks(self) -> list[SentCallback]:
        """Return the status callbacks sent or dropped so far."""
        with self._lock:
            return list(self._records.callbacks)

    def add_media(self, content: bytes, content_type: str) -> str:
        """Keep a file as if a person had sent it; return its id (Twilio media sid, file_id)."""
        media_id = "ME" + uuid.uuid4().hex
        with self._lock:
            self._records.media[media_id] = Media(content, content_type)
        return media_id

    # Used by the API routes.

    def media(self, media_id: str) -> Media | None:
        """Return a file sent by a person, if it exists."""
        with self._lock:
            return self._records.media.get(media_id)

    def delete_media(self, media_id: str) -> bool:
        """Delete a file sent by a person; tell whether it existed."""
        with self._lock:
            return self._records.media.pop(media_id, None) is not None

    def take_fault(self, service: str, method: str, recipient: str | None) -> Fault | None:
        """Return the fault planned for this call, if any."""
        with self._lock:
            return self._plan.take(service, method, recipient)

    def record(self, call: RecordedCall) -> None:
        """Remember one call."""
        with self._lock:
            self._records.calls.append(call)

    def add_twilio_message(self, message: Message) -> None:
        """Store a created Twilio message and count it for its recipient."""
        with self._lock:
            self._records.twilio[message["sid"]] = message
            self._records.created[message["to"]] += 1

    def twilio_message(self, sid: str) -> Message | None:
        """Return a copy of one Twilio message."""
        with self._lock:
            message = self._records.twilio.get(sid)
            return None if message is None else dict(message)

    def update_twilio_message(self, sid: str, changes: Mapping[str, Any]) -> Message | None:
        """Change fields of a Twilio message and return its new copy."""
        with self._lock:
            message = self._records.twilio.get(sid)
            if message is None:
                return None
            message.update(changes)
            return dict(message)

    def delete_twilio_message(self, sid: str) -> bool:
        """Delete a Twilio message; tell whether it existed."""
        with self._lock:
            return self._records.twilio.pop(sid, None) is not None

    def add_telegram_message(self, token: str, chat_id: str, message: Message) -> Message:
        """Number a message in its chat, store it, count it and return it."""
        with self._lock:
            self._records.telegram_ids[token, chat_id] += 1
            message_id = self._records.telegram_ids[token, chat_id]
            message["message_id"] = message_id
            self._records.telegram[token, chat_id, message_id] = message
            self._records.created[chat_id] += 1
            return dict(message)

    def telegram_message(self, token: str, chat_id: str, message_id: int) -> Message | None:
        """Return a copy of one sent Telegram message."""
        with self._lock:
            message = self._records.telegram.get((token, chat_id, message_id))
            return None if message is None else dict(message)

    def replace_telegram_message(self, token: str, chat_id: str, message: Message) -> None:
        """Store the edited version of a Telegram message."""
        with self._lock:
            self._records.telegram[token, chat_id, message["message_id"]] = message

    def set_webhook(self, token: str, webhook: dict[str, Any] | None) -> None:
        """Store or remove a bot's webhook settings."""
        with self._lock:
            if webhook is None:
                self._records.webhooks.pop(token, None)
            else:
                self._records.webhooks[token] = webhook

    def webhook(self, token: str) -> dict[str, Any] | None:
        """Return a bot's webhook settings, if set."""
        with self._lock:
            webhook = self._records.webhooks.get(token)
            return None if webhook is None else dict(webhook)

    def record_callback(
        self, url: str, params: Mapping[str, str], *, dropped: bool, status: int | None
    ) -> None:
        """Remember one status callback."""
        sent = SentCallback(url, params, dropped, status, time.time())
        with self._lock:
            self._records.callbacks.append(sent)
