"""The flow file format: what a conversation says, asks and does, as validated models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.localize import Text
from bot.triage import Priority


class FlowError(ValueError):
    """A flow file that cannot be used; the message names the file, the node and the reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Model(BaseModel):
    # YAML reads 1 and 0 as numbers; keys, keywords and skip words are strings.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


# Actions -------------------------------------------------------------------------------------


class SetFieldAction(_Model):
    type: Literal["set_field"]
    name: str
    value: str


class AddTagAction(_Model):
    type: Literal["add_tag"]
    tag: str


class RaisePriorityAction(_Model):
    type: Literal["raise_priority"]
    priority: Priority


class OpenTicketAction(_Model):
    type: Literal["open_ticket"]
    need: str
    priority: Priority = "normal"


class HandoffAction(_Model):
    type: Literal["handoff"]
    reason: str


class SendDirectoryAction(_Model):
    type: Literal["send_directory"]
    category: str
    limit: int = Field(default=2, ge=1, le=5)


class EndAction(_Model):
    type: Literal["end"]


# How each action is written in YAML: `- add_tag: minor_alone`, `- end`, `- open_ticket: {...}`.
_SCALAR_ACTIONS = {"add_tag": "tag", "raise_priority": "priority", "handoff": "reason"}
_MAPPING_ACTIONS = {"set_field", "open_ticket", "send_directory"}
ACTION_NAMES = frozenset({*_SCALAR_ACTIONS, *_MAPPING_ACTIONS, "end"})


def _unwrap_action(raw: Any) -> Any:
    """Turn the one-key YAML form of an action into a tagged mapping."""
    if raw == "end":
        return {"type": "end"}
    if isinstance(raw, str):
        raise ValueError(f'unknown action "{raw}"')
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ValueError("an action is one name with its value, like `add_tag: minor_alone`")
    ((name, value),) = raw.items()
    if name not in ACTION_NAMES:
        raise ValueError(f'unknown action "{name}"')
    if name in _SCALAR_ACTIONS:
        return {"type": name, _SCALAR_ACTIONS[name]: value}
    if name == "end":
        return {"type": "end"}
    if not isinstance(value, dict):
        raise ValueError(f'action "{name}" takes a mapping')
    return {"type": name, **value}


Action = Annotated[
    Annotated[
        SetFieldAction
        | AddTagAction
        | RaisePriorityAction
        | OpenTicketAction
        | HandoffAction
        | SendDirectoryAction
        | EndAction,
        Field(discriminator="type"),
    ],
    BeforeValidator(_unwrap_action),
]
TERMINAL_ACTIONS = (HandoffAction, EndAction)


# Waiting ---------------------------------------------------------------------------------------


class Timeout(_Model):
    """How long a waiting node waits: an optional nudge, then the end (or another node)."""

    nudge_after_hours: float | None = Field(default=None, gt=0)
    nudge: Text | None = None
    end_after_hours: float | None = Field(default=None, gt=0)
    end_after_days: float | None = Field(default=None, gt=0)
    end: Text | None = None
    goto: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Timeout:
        if (self.end_after_hours is None) == (self.end_after_days is None):
            raise ValueError("give exactly one of end_after_hours and end_after_days")
        if (self.nudge_after_hours is None) != (self.nudge is None):
            raise ValueError("nudge_after_hours and nudge go together")
        if self.nudge_after_hours is not None and self.nudge_after_hours * 3600 >= (
            self.end_after.total_seconds()
        ):
            raise ValueError("the nudge must come before the end")
        return self

    @property
    def end_after(self) -> timedelta:
        """Return how long the node waits before it gives up."""
        if self.end_after_days is not None:
            return timedelta(days=self.end_after_days)
        return timedelta(hours=self.end_after_hours or 0)


# Nodes ------------------------------------------------------------------------------------------


class ChoiceSpec(_Model):
    key: str = Field(min_length=1)
    label: Text
    keywords: list[str] = []
    value: str | None = None
    goto: str
    actions: list[Action] = []

    def phrases(self) -> Iterator[str]:
        """Yield every word that also names this choice: keywords and labels in all languages."""
        yield from self.keywords
        yield from self.label.values()


class MessageNode(_Model):
    kind: Literal["message"]
    text: Text
    actions: list[Action] = []
    next: str | None = None


class ActionNode(_Model):
    kind: Literal["action"]
    actions: list[Action] = Field(min_length=1)
    next: str | None = None


class QuestionNode(_Model):
    kind: Literal["question"]
    text: Text
    choices: list[ChoiceSpec] = Field(min_length=1)
    save_as: str | None = None
    timeout: Timeout | None = None


class InputNode(_Model):
    kind: Literal["input"]
    text: Text
    save_as: str
    skip: list[str] = []
    max_length: int | None = Field(default=None, ge=1)
    next: str
    timeout: Timeout | None = None


class LanguageNode(_Model):
    kind: Literal["language"]
    text: Text
    next: str
    timeout: Timeout | None = None


class WaitNode(_Model):
    kind: Literal["wait"]
    text: Text | None = None
    save_as: str | None = None
    next: str
    timeout: Timeout | None = None


class BranchNode(_Model):
    kind: Literal["branch"]
    field: str
    cases: dict[str, str] = {}
    missing: str | None = None
    default: str


Node = Annotated[
    MessageNode | ActionNode | QuestionNode | InputNode | LanguageNode | WaitNode | BranchNode,
    Field(discriminator="kind"),
]
WaitingNode = QuestionNode | InputNode | LanguageNode | WaitNode
WAITING_NODES = (QuestionNode, InputNode, LanguageNode, WaitNode)


# Flow -------------------------------------------------------------------------------------------


class LanguageSpec(_Model):
    name: str
    keywords: list[str] = []
    # Other codes phones and Telegram give for it ("prs" for Dari, "pbt" for Pashto).
    codes: list[str] = []


class AnytimeSpec(_Model):
    """Words that do something wherever the person is in the conversation (MENU, AGENT…)."""

    id: str
    keywords: list[str] = Field(min_length=1)
    goto: str | None = None
    actions: list[Action] = []

    @model_validator(mode="after")
    def _one_effect(self) -> AnytimeSpec:
        if (self.goto is None) == (not self.actions):
            raise ValueError("give either goto or actions")
        return self


class Flow(_Model):
    id: str
    start: str
    languages: dict[str, LanguageSpec]
    required_languages: list[str] = ["fr"]
    # Texts in these languages still wait for a fluent speaker's review.
    unreviewed_languages: list[str] = []
    max_reasks: int = Field(default=2, ge=0)
    max_answer_length: int = Field(default=500, ge=1)
    timeout: Timeout | None = None
    texts: dict[str, Text] = {}
    anytime: list[AnytimeSpec] = []
    nodes: dict[str, Node]

    def language_of(self, code: str | None) -> str | None:
        """Return the offered language a code names ("ar", "en-GB", "prs"), if any."""
        primary = (code or "").split("-")[0].lower()
        if primary in self.languages:
            return primary
        for language, spec in self.languages.items():
            if primary in spec.codes:
                return language
        return None

    def timeout_for(self, node: WaitingNode) -> Timeout | None:
        """Return the node's own timeout, or the flow's default one."""
        return node.timeout or self.timeout


# A branch on this field looks at the conversation language (unset until the person chooses).
LANGUAGE_FIELD = "language"
# Catalogue texts the engine itself sends; a flow must define them.
ENGINE_TEXTS = ("reask_choice", "reask_text", "handoff", "directory_intro")
