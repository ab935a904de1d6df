"""Play a flow in memory, message by message: for trying a flow out before people see it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from bot.conversation import ConversationState, Effect, Step
from bot.directory import Directory
from bot.engine import advance, on_timeout, start
from bot.flowdef import Flow

E = TypeVar("E", bound=Effect)


class Rehearsal:
    """A conversation kept in memory; the state goes through JSON at each step, as when stored."""

    def __init__(
        self,
        flow: Flow,
        *,
        directory: Directory | None,
        now: datetime,
        lang: str | None = None,
    ) -> None:
        self.flow = flow
        self.directory = directory
        self.now = now
        self.last = start(flow, lang=lang, now=now, directory=directory)
        self.steps = [self.last]

    @property
    def state(self) -> ConversationState:
        """Return where the conversation is now."""
        return self.last.state

    def say(self, text: str) -> Step:
        """Answer as the person would."""
        stored = ConversationState.from_json(self.state.to_json())
        self.last = advance(self.flow, stored, text, now=self.now, directory=self.directory)
        self.steps.append(self.last)
        return self.last

    def later(self, delta: timedelta) -> Step:
        """Let time pass without an answer, then run the timeout check."""
        self.now += delta
        self.last = on_timeout(self.flow, self.state, now=self.now, directory=self.directory)
        self.steps.append(self.last)
        return self.last

    def texts(self, step: Step | None = None) -> list[str]:
        """Return the messages of a step (the last one by default) as an SMS shows them."""
        return [output.plain_text() for output in (step or self.last).outputs]

    def effects(self, kind: type[E]) -> list[E]:
        """Return every effect of one kind since the start."""
        return [
            effect for step in self.steps for effect in step.effects if isinstance(effect, kind)
        ]
