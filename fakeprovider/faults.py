"""Faults the fake provider can answer with, scripted one by one or drawn at random.

Whether a faulted call counts as delivered to the provider (the message exists, `calls_to` grows):
- `delay` (a slow or hanging answer), `drop_after_send` and `undelivered` create the message first:
  the client may time out or lose the connection, yet the message was sent. This is the
  "timed out but it went out" case that exactly-once sending has to live with.
- `error` (any HTTP error: 4xx, 429, 5xx) and `drop` create nothing: the provider refused the call
  or never saw it.
Every fault may wait `seconds` before answering (or before closing the connection).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

Service = Literal["twilio", "telegram"]
FaultKind = Literal["error", "delay", "drop", "drop_after_send", "undelivered"]
ANY_METHOD = "*"

SENDING_METHODS: Mapping[str, str] = {"twilio": "create", "telegram": "sendMessage"}
CREATING_KINDS = frozenset({"delay", "drop_after_send", "undelivered"})

TWILIO_ERRORS: Mapping[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service unavailable"),
    21211: (400, "Invalid 'To' Phone Number"),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}


@dataclass(frozen=True, slots=True)
class Fault:
    """One abnormal answer; build it with the class methods rather than by hand."""

    kind: FaultKind
    status: int | None = None
    code: int | None = None
    description: str | None = None
    retry_after: int | None = None
    seconds: float = 0.0

    @classmethod
    def http_status(cls, status: int, *, description: str | None = None) -> Fault:
        """Answer with an HTTP error status and the service's usual error body."""
        return cls(kind="error", status=status, description=description)

    @classmethod
    def twilio_error(cls, code: int, *, status: int | None = None) -> Fault:
        """Answer like Twilio refusing a call with an error code (21610, 21614, 20429…)."""
        known_status, message = TWILIO_ERRORS.get(code, (400, f"Error {code}"))
        return cls(kind="error", status=status or known_status, code=code, description=message)

    @classmethod
    def telegram_retry_after(cls, retry_after: int) -> Fault:
        """Answer like Telegram's flood control: 429 with `parameters.retry_after`."""
        text = f"Too Many Requests: retry after {retry_after}"
        return cls(kind="error", status=429, description=text, retry_after=retry_after)

    @classmethod
    def telegram_blocked(cls) -> Fault:
        """Answer like Telegram when the person blocked the bot."""
        return cls(kind="error", status=403, description="Forbidden: bot was blocked by the user")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Send the message, then answer after `seconds`."""
        return cls(kind="delay", seconds=seconds)

    @classmethod
    def hang(cls, seconds: float = 600.0) -> Fault:
        """Send the message, then keep the client waiting until it gives up."""
        return cls(kind="delay", seconds=seconds)

    @classmethod
    def drop(cls, *, seconds: float = 0.0) -> Fault:
        """Close the connection without an answer and without sending."""
        return cls(kind="drop", seconds=seconds)

    @classmethod
    def drop_after_send(cls, *, seconds: float = 0.0) -> Fault:
        """Send the message, then close the connection without an answer."""
        return cls(kind="drop_after_send", seconds=seconds)

    @classmethod
    def undelivered(cls, code: int = 30003, *, final_status: str = "undelivered") -> Fault:
        """Accept a Twilio message whose status callbacks end in `undelivered` or `failed`."""
        return cls(kind="undelivered", code=code, description=final_status)

    @property
    def creates_message(self) -> bool:
        """Tell whether the provider sends the message despite this fault."""
        return self.kind in CREATING_KINDS

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by the control endpoints."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Read the JSON form used by the control endpoints."""
        if data.get("kind") not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind: {data.get('kind')!r}")
        return cls(**{key: value for key, value in data.items() if key in _FAULT_FIELDS})


_FAULT_FIELDS = frozenset(Fault.__dataclass_fields__)


@dataclass(slots=True)
class _ScriptedFault:
    fault: Fault
    method: str | None
    recipient: str | None
    remaining: int


@dataclass(slots=True)
class FaultPlan:
    """Scripted faults in order per service, then random ones; not thread-safe on its own."""

    scripted: dict[str, list[_ScriptedFault]] = field(default_factory=dict)
    odds: dict[str, list[tuple[float, Fault]]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)

    def add(
        self, service: Service, fault: Fault, *, method: str | None, to: str | None, times: int
    ) -> None:
        """Queue `fault` for the next `times` calls that match."""
        entry = _ScriptedFault(fault, method, to, times)
        self.scripted.setdefault(service, []).append(entry)

    def set_random(self, *, seed: int, odds: Mapping[str, Iterable[tuple[float, Fault]]]) -> None:
        """Draw faults at random on sending calls with the given probabilities."""
        table = {service: list(pairs) for service, pairs in odds.items()}
        for service, pairs in table.items():
            if sum(probability for probability, _ in pairs) > 1.0:
                raise ValueError(f"fault probabilities for {service} add up to more than 1")
        self.odds = table
        self.rng = random.Random(seed)

    def take(self, service: str, method: str, recipient: str | None) -> Fault | None:
        """Return the fault for this call, if any, consuming a scripted one."""
        entries = self.scripted.get(service)
        if entries:
            for index, entry in enumerate(entries):
                if _matches(entry, service, method, recipient):
                    entry.remaining -= 1
                    if entry.remaining <= 0:
                        del entries[index]
                    return entry.fault
        pairs = self.odds.get(service)
        if pairs and method == SENDING_METHODS[service]:
            draw = self.rng.random()
            for probability, fault in pairs:
                draw -= probability
                if draw < 0:
                    return fault
        return None

    def clear(self) -> None:
        """Forget every scripted and random fault."""
        self.scripted.clear()
        self.odds.clear()


def _matches(entry: _ScriptedFault, service: str, method: str, recipient: str | None) -> bool:
    wanted = entry.method or SENDING_METHODS[service]
    if wanted != ANY_METHOD and wanted != method:
        return False
    return entry.recipient is None or entry.recipient == recipient
