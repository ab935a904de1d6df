"""What a conversation step produces: the new state, messages to send and effects to apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from bot.triage import Priority

Status = Literal["active", "ended", "handed_off"]


class ConversationState(BaseModel):
    """Where one person is in a flow; stored as JSON between two messages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flow_id: str
    node: str | None
    status: Status = "active"
    language: str | None = None
    fields: dict[str, str] = {}
    priority: Priority = "normal"
    reasks: int = 0
    nudge_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None

    @property
    def active(self) -> bool:
        """Tell whether the conversation still waits for the person."""
        return self.status == "active"

    def to_json(self) -> dict[str, Any]:
        """Return the state as plain JSON data."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        """Return the state stored by `to_json`."""
        return cls.model_validate(data)


@dataclass(frozen=True)
class Choice:
    """One numbered option: a line "1. label" by SMS, a button on Telegram."""

    key: str
    label: str


@dataclass(frozen=True)
class Output:
    """One message for the person, already in their language."""

    text: str
    choices: tuple[Choice, ...] = ()

    def plain_text(self) -> str:
        """Return the message with its choices as numbered lines, for channels without buttons."""
        lines = [self.text, *(f"{choice.key}. {choice.label}" for choice in self.choices)]
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class SetField:
    """Save an answer (first name, need, message…) on the person's record."""

    name: str
    value: str


@dataclass(frozen=True)
class AddTag:
    tag: str


@dataclass(frozen=True)
class SetLanguage:
    """The person chose the language they want to be written to in."""

    language: str


@dataclass(frozen=True)
class OpenTicket:
    """Put the person in the staff triage queue."""

    need: str
    priority: Priority


@dataclass(frozen=True)
class Handoff:
    """A person of the team must take over; the flow stops answering."""

    reason: str


@dataclass(frozen=True)
class SendDirectory:
    """Directory entries were sent (their text is in the outputs); ids for the record."""

    category: str
    entry_ids: tuple[str, ...]


@dataclass(frozen=True)
class End:
    """The conversation is over: completed, timed out or handed off to staff."""

    reason: Literal["completed", "timeout", "handoff"]


Effect = SetField | AddTag | SetLanguage | OpenTicket | Handoff | SendDirectory | End


@dataclass(frozen=True)
class Step:
    """The result of starting, answering or timing out a conversation."""

    state: ConversationState
    outputs: list[Output] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)


class ConversationOver(ValueError):
    """The conversation has ended or was handed off; start a new one or answer out of flow."""


def ensure_aware(now: datetime) -> datetime:
    """Return now, refusing a time without a time zone (it cannot be compared to stored times)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must carry a time zone")
    return now
