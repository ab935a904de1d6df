"""One step through a flow: run nodes until the next question, collecting messages and effects."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.conversation import (
    AddTag,
    Choice,
    ConversationState,
    Effect,
    End,
    Handoff,
    OpenTicket,
    Output,
    SendDirectory,
    SetField,
    SetLanguage,
    Status,
    Step,
)
from bot.directory import Directory, render_entry
from bot.flowdef import (
    LANGUAGE_FIELD,
    Action,
    ActionNode,
    AddTagAction,
    BranchNode,
    ChoiceSpec,
    EndAction,
    Flow,
    HandoffAction,
    InputNode,
    LanguageNode,
    MessageNode,
    OpenTicketAction,
    QuestionNode,
    RaisePriorityAction,
    SendDirectoryAction,
    SetFieldAction,
    Timeout,
    WaitingNode,
    WaitNode,
)
from bot.localize import Text, render
from bot.matching import match_choice, normalize, says_word
from bot.triage import higher_priority

# Flows are checked for loops when loaded; this only stops a flow changed behind our back.
MAX_NODES_PER_STEP = 100
# Newlines, and the joiners Persian words and composed emoji are written with.
_KEPT_CONTROLS = {"\n", "\u200c", "\u200d"}


@dataclass(frozen=True)
class LanguageOption:
    """A language offered on a language node, matchable like any choice."""

    key: str
    code: str
    names: tuple[str, ...]

    def phrases(self) -> Iterator[str]:
        """Yield the names and keywords of the language."""
        yield from self.names


class Walk:
    """The conversation as it moves during one step; `step()` freezes the result."""

    def __init__(
        self,
        flow: Flow,
        state: ConversationState,
        *,
        now: datetime,
        directory: Directory | None,
    ) -> None:
        self.flow = flow
        self.now = now
        self.directory = directory
        self.state = state
        self.fields = dict(state.fields)
        self.outputs: list[Output] = []
        self.effects: list[Effect] = []

    def step(self) -> Step:
        """Return the new state with the messages and effects of this step."""
        state = self.state.model_copy(update={"fields": self.fields})
        return Step(state=state, outputs=self.outputs, effects=self.effects)

    def _update(self, **changes: object) -> None:
        self.state = self.state.model_copy(update=changes)

    # Moving through nodes ---------------------------------------------------------------------

    def enter(self, node_id: str) -> None:
        """Run nodes from node_id until one waits for the person or the conversation ends."""
        for _ in range(MAX_NODES_PER_STEP):
            node = self.flow.nodes[node_id]
            if isinstance(node, BranchNode):
                node_id = self._branch(node)
                continue
            if isinstance(node, MessageNode):
                self.say(node.text)
            if not isinstance(node, MessageNode | ActionNode):
                self._wait_at(node_id, node)
                return
            if not self.perform(node.actions):
                return
            if node.next is None:
                self.end("completed")
                return
            node_id = node.next
        raise RuntimeError(f'flow "{self.flow.id}" runs in circles from node "{node_id}"')

    def _branch(self, node: BranchNode) -> str:
        value = self._value_of(node.field)
        if value is None or value == "":
            return node.missing or node.default
        return node.cases.get(value, node.default)

    def _value_of(self, field: str) -> str | None:
        if field == LANGUAGE_FIELD:
            return self.state.language
        return self.fields.get(field)

    def _wait_at(self, node_id: str, node: WaitingNode) -> None:
        self._update(node=node_id, reasks=0)
        self._arm(node)
        self._wait_prompt(node)

    def _wait_prompt(self, node: WaitingNode) -> None:
        prompt = self.prompt(node)
        if prompt:
            self.outputs.append(prompt)

    def _arm(self, node: WaitingNode) -> None:
        """Set when to nudge and when to give up, counted from now."""
        timeout = self.flow.timeout_for(node)
        if timeout is None:
            self._update(nudge_at=None, expires_at=None)
            return
        hours = timeout.nudge_after_hours
        nudge_at = None if hours is None else self.now + timedelta(hours=hours)
        self._update(nudge_at=nudge_at, expires_at=self.now + timeout.end_after)

    def prompt(self, node: WaitingNode) -> Output | None:
        """Return what the node asks, with its choices; None for a silent wait."""
        if node.text is None:
            return None
        return Output(self.text(node.text), self._options(node))

    def _options(self, node: WaitingNode) -> tuple[Choice, ...]:
        if isinstance(node, QuestionNode):
            return tuple(Choice(choice.key, self.text(choice.label)) for choice in node.choices)
        if isinstance(node, LanguageNode):
            return tuple(Choice(option.key, option.names[0]) for option in self._languages())
        return ()

    def _languages(self) -> list[LanguageOption]:
        return [
            LanguageOption(str(index), code, (spec.name, *spec.keywords))
            for index, (code, spec) in enumerate(self.flow.languages.items(), start=1)
        ]

    # Answers --------------------------------------------------------------------------------------

    def answer(self, node: WaitingNode, text: str) -> None:
        """Act on the person's answer to the node they are at."""
        if isinstance(node, QuestionNode):
            choice = match_choice(text, node.choices)
            if choice is None:
                self._reask(node)
            else:
                self._choose(node, choice)
        elif isinstance(node, LanguageNode):
            option = match_choice(text, self._languages())
            if option is None:
                self._reask(node)
            else:
                self._choose_language(node, option)
        elif isinstance(node, InputNode):
            self._fill(node, text)
        else:
            self._replied(node, text)

    def _choose(self, node: QuestionNode, choice: ChoiceSpec) -> None:
        if node.save_as:
            self.save(node.save_as, choice.value or choice.key)
        if self.perform(choice.actions):
            self.enter(choice.goto)

    def _choose_language(self, node: LanguageNode, option: LanguageOption) -> None:
        self._update(language=option.code)
        self.effects.append(SetLanguage(option.code))
        self.enter(node.next)

    def _fill(self, node: InputNode, text: str) -> None:
        if any(says_word(text, word) for word in node.skip):
            self.enter(node.next)
        elif not normalize(text):
            self._reask(node)
        else:
            self.save(node.save_as, text, limit=node.max_length)
            self.enter(node.next)

    def _replied(self, node: WaitNode, text: str) -> None:
        if node.save_as and text:
            self.save(node.save_as, text)
        self.enter(node.next)

    def _reask(self, node: WaitingNode) -> None:
        if self.state.reasks >= self.flow.max_reasks:
            self.handoff("not_understood")
            return
        self._update(reasks=self.state.reasks + 1)
        self._arm(node)
        if isinstance(node, LanguageNode) and self.state.language is None:
            # Someone who reads no French yet gets the greeting in several languages again.
            self._wait_prompt(node)
        elif isinstance(node, QuestionNode | LanguageNode):
            # The question is just above in the thread: repeat only its options.
            reask = self.text(self.flow.texts["reask_choice"])
            self.outputs.append(Output(reask, self._options(node)))
        else:
            self.outputs.append(self._with_prompt(self.flow.texts["reask_text"], node))

    def _with_prompt(self, text: Text, node: WaitingNode) -> Output:
        """Return a short notice followed by the node's question and choices, in one message."""
        prompt = self.prompt(node)
        if prompt is None:
            return Output(self.text(text))
        return Output(f"{self.text(text)}\n{prompt.text}", prompt.choices)

    # Timeouts ------------------------------------------------------------------------------------

    def nudge(self, node: WaitingNode, timeout: Timeout) -> None:
        """Remind the person of the question once."""
        if timeout.nudge:
            self.outputs.append(self._with_prompt(timeout.nudge, node))
        self._update(nudge_at=None)

    def expire(self, timeout: Timeout | None) -> None:
        """Give up waiting: say so if the flow wants, then go on elsewhere or end."""
        if timeout and timeout.end:
            self.say(timeout.end)
        if timeout and timeout.goto:
            self.enter(timeout.goto)
        else:
            self.end("timeout")

    # Actions --------------------------------------------------------------------------------------

    def perform(self, actions: list[Action]) -> bool:
        """Run actions in order; return False when one of them ended the conversation."""
        for action in actions:
            if isinstance(action, HandoffAction):
                self.handoff(action.reason)
                return False
            if isinstance(action, EndAction):
                self.end("completed")
                return False
            self._apply(action)
        return True

    def _apply(self, action: Action) -> None:
        if isinstance(action, SetFieldAction):
            self.save(action.name, action.value)
        elif isinstance(action, AddTagAction):
            self.effects.append(AddTag(action.tag))
        elif isinstance(action, RaisePriorityAction):
            self._update(priority=higher_priority(self.state.priority, action.priority))
        elif isinstance(action, OpenTicketAction):
            priority = higher_priority(self.state.priority, action.priority)
            self.effects.append(OpenTicket(action.need, priority))
        elif isinstance(action, SendDirectoryAction):
            self._send_directory(action)

    def _send_directory(self, action: SendDirectoryAction) -> None:
        if self.directory is None:
            self.effects.append(SendDirectory(action.category, ()))
            return
        entries = self.directory.entries_for(action.category)[: action.limit]
        if not entries:
            return
        lang = self.state.language
        intro = self.text(self.flow.texts["directory_intro"])
        body = "\n\n".join(render_entry(entry, lang, now=self.now) for entry in entries)
        self.outputs.append(Output(f"{intro}\n{body}"))
        self.effects.append(SendDirectory(action.category, tuple(entry.id for entry in entries)))

    def handoff(self, reason: str) -> None:
        """Tell the person a team member takes over, and stop the flow."""
        self.say(self.flow.texts["handoff"])
        self.effects.append(Handoff(reason))
        self._close("handed_off", End("handoff"))

    def end(self, reason: Literal["completed", "timeout"]) -> None:
        """Stop the flow."""
        self._close("ended", End(reason))

    def _close(self, status: Status, end: End) -> None:
        self.effects.append(end)
        self._update(status=status, node=None, nudge_at=None, expires_at=None)

    # Texts and fields ---------------------------------------------------------------------------

    def text(self, text: Text) -> str:
        """Return a text in the person's language with the saved fields filled in."""
        return render(text, self.state.language, self.fields)

    def say(self, text: Text) -> None:
        """Send a text on its own."""
        self.outputs.append(Output(self.text(text)))

    def save(self, name: str, value: str, *, limit: int | None = None) -> None:
        """Keep a field, cut to a sane length, and tell the caller to record it."""
        value = value[: limit or self.flow.max_answer_length].strip()
        self.fields[name] = value
        self.effects.append(SetField(name, value))


def clean_answer(text: str) -> str:
    """Return the answer without invisible control characters or broken surrogates."""
    kept = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        if char in _KEPT_CONTROLS or unicodedata.category(char)[0] != "C":
            kept.append(char)
        elif char.isspace():
            kept.append(" ")  # a tab still separates words
    return "".join(kept).strip()
