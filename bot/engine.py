"""Run a conversation flow: pure functions from (flow, state, answer, time) to the next step.

Nothing here reads a database or sends a message: the caller stores `Step.state` as JSON,
queues `Step.outputs` and turns `Step.effects` into tickets, tags and hand-offs.
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation import (
    ConversationOver,
    ConversationState,
    SetLanguage,
    Step,
    ensure_aware,
)
from bot.directory import Directory
from bot.flowdef import (
    WAITING_NODES,
    AnytimeSpec,
    Flow,
    InputNode,
    LanguageNode,
    Node,
    QuestionNode,
    WaitingNode,
)
from bot.localize import render
from bot.matching import says_word
from bot.walk import Walk, clean_answer


def start(
    flow: Flow, *, lang: str | None = None, now: datetime, directory: Directory | None = None
) -> Step:
    """Begin a conversation; a known language ("ar", "en-GB") skips the language question."""
    language = flow.language_of(lang)
    state = ConversationState(flow_id=flow.id, node=None, language=language)
    walk = Walk(flow, state, now=ensure_aware(now), directory=directory)
    if language is not None and language != lang:
        # The record keeps the code the flow speaks, so that every text finds its language.
        walk.effects.append(SetLanguage(language))
    walk.enter(flow.start)
    return walk.step()


def advance(
    flow: Flow,
    state: ConversationState,
    text: str,
    *,
    now: datetime,
    directory: Directory | None = None,
) -> Step:
    """Take the person's answer and return what comes next; raise ConversationOver when over."""
    node = _current_node(flow, state)
    walk = Walk(flow, state, now=ensure_aware(now), directory=directory)
    answer = clean_answer(text)
    entry = None if _node_claims(flow, node, answer) else _anytime(flow, answer)
    if entry is None:
        walk.answer(node, answer)
    elif entry.goto:
        walk.enter(entry.goto)
    else:
        walk.perform(entry.actions)
    return walk.step()


def on_timeout(
    flow: Flow, state: ConversationState, *, now: datetime, directory: Directory | None = None
) -> Step:
    """Nudge or close a conversation left without answer; do nothing when nothing is due yet."""
    walk = Walk(flow, state, now=ensure_aware(now), directory=directory)
    if not state.active:
        return walk.step()
    node = flow.nodes.get(state.node or "")
    waiting = node if isinstance(node, WAITING_NODES) else None
    timeout = flow.timeout_for(waiting) if waiting else None
    if state.expires_at is not None and now >= state.expires_at:
        walk.expire(timeout)
    elif state.nudge_at is not None and now >= state.nudge_at and waiting and timeout:
        walk.nudge(waiting, timeout)
    return walk.step()


def next_timeout(state: ConversationState) -> datetime | None:
    """Return when `on_timeout` should next be called for this conversation, if ever."""
    due = [moment for moment in (state.nudge_at, state.expires_at) if moment is not None]
    return min(due) if due and state.active else None


def flow_text(
    flow: Flow, key: str, *, lang: str | None, fields: dict[str, str] | None = None
) -> str:
    """Return a catalogue text of the flow (out_of_flow, handoff…) in the person's language."""
    if key not in flow.texts:
        raise KeyError(f'flow "{flow.id}" has no text "{key}"')
    return render(flow.texts[key], lang, fields or {})


def _current_node(flow: Flow, state: ConversationState) -> WaitingNode:
    if state.flow_id != flow.id:
        raise ValueError(f'state belongs to flow "{state.flow_id}", not "{flow.id}"')
    if not state.active or state.node is None:
        raise ConversationOver(f"the conversation is {state.status.replace('_', ' ')}")
    node = flow.nodes.get(state.node)
    if not isinstance(node, WAITING_NODES):
        raise ConversationOver(f'flow "{flow.id}" no longer waits at node "{state.node}"')
    return node


def _node_claims(flow: Flow, node: Node, answer: str) -> bool:
    """Tell whether the answer is one of the node's own exact words, which beat anytime words."""
    if isinstance(node, QuestionNode):
        return any(says_word(answer, choice.key) for choice in node.choices)
    if isinstance(node, LanguageNode):
        return any(says_word(answer, str(key)) for key in range(1, len(flow.languages) + 1))
    if isinstance(node, InputNode):
        return any(says_word(answer, word) for word in node.skip)
    return False


def _anytime(flow: Flow, answer: str) -> AnytimeSpec | None:
    for entry in flow.anytime:
        if any(says_word(answer, keyword) for keyword in entry.keywords):
            return entry
    return None
