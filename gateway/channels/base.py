"""The small protocol every channel implements, and what a send can turn out to be."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol


class Outcome(enum.StrEnum):
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the channel knows it arrived (the simulator)
    RETRY = "retry"  # nothing reached the provider, or it said "later": safe to try again
    FAILED = "failed"  # the provider refused it for good
    OPTED_OUT = "opted_out"  # the person cannot or does not want to receive on this channel
    UNKNOWN = "unknown"  # the call may or may not have sent: never repeat it blindly


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class OutboundEnvelope:
    message_id: int
    address: str
    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    retry_after: float | None = None
    error_code: str | None = None
    reason: str | None = None
    pause_channel: bool = False


@dataclass(frozen=True)
class Removal:
    """What the provider said to deleting a message it stores: done (or already gone), or later."""

    done: bool
    reason: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """A message a person sent, already read from the channel's own format."""

    channel: str
    address: str
    text: str
    provider_id: str
    display_name: str | None = None
    language_hint: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, envelope: OutboundEnvelope) -> SendResult: ...
