"""Signed Twilio status callbacks, possibly late, lost or out of order as in real life."""

from __future__ import annotations

import asyncio
import random

import httpx
from twilio.request_validator import RequestValidator

from fakeprovider.state import FakeProviderState, Message, StatusCallbackSettings

STATUS_SEQUENCES: dict[str, tuple[str, ...]] = {
    "delivered": ("sent", "delivered"),
    "undelivered": ("sent", "undelivered"),
    "failed": ("failed",),
}
FAILED_STATUSES = frozenset({"undelivered", "failed"})


class StatusCallbackSender:
    """Post a message's status changes to its StatusCallback URL, on the server's event loop."""

    def __init__(self, state: FakeProviderState) -> None:
        self._state = state
        self._validator = RequestValidator(state.twilio_auth_token)
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._settings: StatusCallbackSettings | None = None
        self._rng = random.Random()

    def schedule(self, url: str, message: Message) -> None:
        """Start sending the callbacks of a just-created message."""
        task = asyncio.get_running_loop().create_task(self._send_all(url, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Cancel the callbacks still waiting and close the HTTP client."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _send_all(self, url: str, message: Message) -> None:
        settings = self._current_settings()
        statuses = list(STATUS_SEQUENCES.get(message["status"], ("sent", message["status"])))
        if settings.order == "reversed":
            statuses.reverse()
        elif settings.order == "shuffled":
            self._rng.shuffle(statuses)
        for status in statuses:
            if settings.delay > 0:
                await asyncio.sleep(settings.delay)
            params = callback_params(message, status)
            if self._rng.random() < settings.drop_rate:
                self._state.record_callback(url, params, dropped=True, status=None)
                continue
            await self._post(url, params)

    async def _post(self, url: str, params: dict[str, str]) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        headers = {
            "X-Twilio-Signature": self._validator.compute_signature(url, params),
            "User-Agent": "TwilioProxy/1.1",
        }
        try:
            response = await self._client.post(url, data=params, headers=headers)
        except httpx.HTTPError:
            self._state.record_callback(url, params, dropped=False, status=None)
            return
        self._state.record_callback(url, params, dropped=False, status=response.status_code)

    def _current_settings(self) -> StatusCallbackSettings:
        settings = self._state.callback_settings
        if settings is not self._settings:
            self._settings = settings
            self._rng = random.Random(settings.seed)
        return settings


def callback_params(message: Message, status: str) -> dict[str, str]:
    """Return the form fields Twilio posts for one status of a message."""
    params = {
        "AccountSid": message["account_sid"],
        "ApiVersion": message["api_version"],
        "MessageSid": message["sid"],
        "MessageStatus": status,
        "SmsSid": message["sid"],
        "SmsStatus": status,
        "To": message["to"],
    }
    if message["from"]:
        params["From"] = message["from"]
    if message["messaging_service_sid"]:
        params["MessagingServiceSid"] = message["messaging_service_sid"]
    if status in FAILED_STATUSES:
        params["ErrorCode"] = str(message["error_code"] or 30008)
    return params
