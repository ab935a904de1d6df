"""Steer a fake provider running in another process through its /_fake/ endpoints."""

from __future__ import annotations

import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

import httpx

from fakeprovider.faults import Fault, Service


class RemoteFakeProvider:
    """The control methods of `FakeProviderState`, over HTTP."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=f"{self.url}/_fake", timeout=timeout)

    def wait_ready(self, *, timeout: float = 10.0) -> None:
        """Wait until the server answers, for a process that was just started."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._client.get("/health").raise_for_status()
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def calls(
        self, *, service: str | None = None, method: str | None = None
    ) -> list[dict[str, Any]]:
        """Return recorded calls as JSON objects, oldest first."""
        query = {key: value for key, value in (("service", service), ("method", method)) if value}
        calls: list[dict[str, Any]] = self._get("/calls", query)["calls"]
        return calls

    def messages(self) -> dict[str, list[dict[str, Any]]]:
        """Return the Twilio and Telegram messages that exist."""
        messages: dict[str, list[dict[str, Any]]] = self._get("/messages")
        return messages

    def calls_to(self, address: str | int) -> int:
        """Count the messages created for a phone number or chat id."""
        return int(self._get("/count", {"address": str(address)})["count"])

    def status_callbacks(self) -> list[dict[str, Any]]:
        """Return the status callbacks sent or dropped so far."""
        callbacks: list[dict[str, Any]] = self._get("/callbacks")["callbacks"]
        return callbacks

    def inject(
        self,
        service: Service,
        fault: Fault,
        *,
        to: str | int | None = None,
        method: str | None = None,
        times: int = 1,
    ) -> None:
        """Give `fault` to the next `times` matching calls."""
        target = None if to is None else str(to)
        data = {"service": service, "fault": fault.to_dict(), "to": target, "method": method}
        self._post("/faults", data | {"times": times})

    def twilio_media(self, content: bytes, content_type: str) -> str:
        """Keep a file of an inbound MMS; return its media URL, as MediaUrlN carries it."""
        return self.url + str(self._add_media(content, content_type)["twilio_path"])

    def telegram_file(self, content: bytes, content_type: str) -> str:
        """Keep a file a person sent the bot; return its file_id."""
        return str(self._add_media(content, content_type)["id"])

    def _add_media(self, content: bytes, content_type: str) -> dict[str, Any]:
        response = self._client.post(
            "/media", content=content, headers={"content-type": content_type}
        )
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    def set_random_faults(
        self,
        *,
        seed: int,
        twilio: Iterable[tuple[float, Fault]] = (),
        telegram: Iterable[tuple[float, Fault]] = (),
    ) -> None:
        """Draw faults at random on sending calls, reproducibly from `seed`."""

        def entries(odds: Iterable[tuple[float, Fault]]) -> list[dict[str, Any]]:
            return [{"probability": p, "fault": fault.to_dict()} for p, fault in odds]

        data = {"seed": seed, "twilio": entries(twilio), "telegram": entries(telegram)}
        self._post("/faults/random", data)

    def clear_faults(self) -> None:
        """Forget scripted and random faults."""
        self._post("/faults/clear", {})

    def set_latency(self, seconds: float) -> None:
        """Delay every API answer by `seconds`."""
        self._post("/latency", {"seconds": seconds})

    def set_status_callbacks(self, **settings: Any) -> None:
        """Turn Twilio status callbacks on, with `StatusCallbackSettings` fields."""
        self._post("/callbacks", settings)

    def reset(self) -> None:
        """Forget every call, message and fault."""
        self._post("/reset", {})

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _get(self, path: str, query: dict[str, str] | None = None) -> Any:
        response = self._client.get(path, params=query)
        response.raise_for_status()
        return response.json()

    def _post(self, path: str, data: dict[str, Any]) -> None:
        self._client.post(path, json=data).raise_for_status()
