"""Check what the file format alone cannot: targets, languages, placeholders, loops, reach."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.flowdef import (
    ENGINE_TEXTS,
    LANGUAGE_FIELD,
    TERMINAL_ACTIONS,
    Action,
    ActionNode,
    BranchNode,
    Flow,
    InputNode,
    MessageNode,
    Node,
    OpenTicketAction,
    QuestionNode,
    SendDirectoryAction,
    SetFieldAction,
    Timeout,
    WaitNode,
)
from bot.localize import FALLBACK_LANGUAGE, Text, placeholders
from bot.matching import normalize
from bot.triage import NEEDS

# The gateway answers these itself, on every channel, before any conversation sees them.
GATEWAY_KEYWORDS = frozenset({"stop", "arret", "start", "unstop", "desabonner"})


@dataclass
class Findings:
    """What is wrong (errors), doubtful (warnings) and untranslated (per language) in a flow."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing_translations: dict[str, list[str]] = field(default_factory=dict)
    # Per offered language: (texts written in it, texts in the flow).
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)


def check_flow(flow: Flow) -> Findings:
    """Return every problem found in a flow that the file format accepted."""
    findings = Findings()
    findings.errors += _language_errors(flow)
    findings.errors += _target_errors(flow)
    findings.errors += _node_errors(flow)
    findings.errors += _anytime_errors(flow)
    findings.errors += _loop_errors(flow)
    findings.errors += [f'texts: missing "{key}"' for key in ENGINE_TEXTS if key not in flow.texts]
    _check_texts(flow, findings)
    findings.warnings += [f'node "{node_id}" is never reached' for node_id in _unreachable(flow)]
    return findings


def known_fields(flow: Flow) -> set[str]:
    """Return the fields a flow can fill: saved answers and set_field actions."""
    names = {action.name for _where, action in _actions(flow) if isinstance(action, SetFieldAction)}
    for node in flow.nodes.values():
        if isinstance(node, QuestionNode | InputNode | WaitNode) and node.save_as:
            names.add(node.save_as)
    return names


def _language_errors(flow: Flow) -> list[str]:
    errors = []
    if FALLBACK_LANGUAGE not in flow.required_languages:
        errors.append(f'required_languages: "{FALLBACK_LANGUAGE}" must be required')
    errors += [
        f'required_languages: "{lang}" is not in languages'
        for lang in flow.required_languages
        if lang not in flow.languages
    ]
    return errors


def _targets(node: Node) -> Iterator[tuple[str, str]]:
    """Yield (how, target) for every node this node can lead to."""
    if isinstance(node, QuestionNode):
        for choice in node.choices:
            yield f'choice "{choice.key}" goes to', choice.goto
    elif isinstance(node, BranchNode):
        for value, target in node.cases.items():
            yield f'case "{value}" goes to', target
        if node.missing:
            yield "missing goes to", node.missing
        yield "default goes to", node.default
    elif node.next:
        yield "next goes to", node.next
    timeout = getattr(node, "timeout", None)
    if isinstance(timeout, Timeout) and timeout.goto:
        yield "timeout goes to", timeout.goto


def _target_errors(flow: Flow) -> list[str]:
    errors = []
    if flow.start not in flow.nodes:
        errors.append(f'start: unknown node "{flow.start}"')
    for node_id, node in flow.nodes.items():
        errors += [
            f'node "{node_id}": {how} unknown node "{target}"'
            for how, target in _targets(node)
            if target not in flow.nodes
        ]
    if flow.timeout and flow.timeout.goto and flow.timeout.goto not in flow.nodes:
        errors.append(f'timeout: goes to unknown node "{flow.timeout.goto}"')
    return errors


def _node_errors(flow: Flow) -> list[str]:
    errors = []
    fields = known_fields(flow) | {LANGUAGE_FIELD}
    for node_id, node in flow.nodes.items():
        where = f'node "{node_id}"'
        if isinstance(node, MessageNode | ActionNode):
            errors += _ending_errors(where, node.actions, has_next=node.next is not None)
        if isinstance(node, QuestionNode):
            errors += _choice_errors(where, node)
        if isinstance(node, BranchNode) and node.field not in fields:
            errors.append(f'{where}: branches on unknown field "{node.field}"')
        if isinstance(node, InputNode):
            errors += [f"{where}: a skip word is blank" for word in node.skip if not word.strip()]
    errors += [
        f"{where}: {problem}"
        for where, action in _actions(flow)
        for problem in _action_problems(action)
    ]
    return errors


def _ending_errors(where: str, actions: list[Action], *, has_next: bool) -> list[str]:
    ends = [index for index, action in enumerate(actions) if isinstance(action, TERMINAL_ACTIONS)]
    if ends and has_next:
        return [f'{where}: has "next" but its actions end the conversation']
    if not ends and not has_next:
        return [f'{where}: needs "next" or an end/handoff action']
    if ends and ends[0] != len(actions) - 1:
        return [f"{where}: end/handoff must be the last action"]
    return []


def _choice_errors(where: str, node: QuestionNode) -> list[str]:
    errors = []
    keys: set[str] = set()
    phrases: dict[str, str] = {}
    for choice in node.choices:
        key = normalize(choice.key)
        if not key:
            errors.append(f'{where}: choice "{choice.key}" has a key with no letter or digit')
        elif key in keys:
            errors.append(f'{where}: duplicate choice key "{choice.key}"')
        keys.add(key)
        if any(isinstance(action, TERMINAL_ACTIONS) for action in choice.actions):
            errors.append(f'{where}: choice "{choice.key}" must go to a node to end or hand off')
        for phrase in map(normalize, choice.keywords):
            owner = phrases.setdefault(phrase, choice.key)
            if owner != choice.key:
                errors.append(f'{where}: keyword "{phrase}" is in choices "{owner}" and "{key}"')
    return errors


def _action_problems(action: Action) -> list[str]:
    if isinstance(action, OpenTicketAction) and action.need not in NEEDS:
        return [f'unknown need "{action.need}" (one of {", ".join(NEEDS)})']
    if isinstance(action, SendDirectoryAction) and action.category not in NEEDS:
        return [f'unknown category "{action.category}" (one of {", ".join(NEEDS)})']
    if isinstance(action, SetFieldAction) and not action.name.isidentifier():
        return [f'field name "{action.name}" must be a plain word']
    return []


def _actions(flow: Flow) -> Iterator[tuple[str, Action]]:
    """Yield (where, action) for every action in the flow."""
    for node_id, node in flow.nodes.items():
        if isinstance(node, MessageNode | ActionNode):
            yield from ((f'node "{node_id}"', action) for action in node.actions)
        if isinstance(node, QuestionNode):
            for choice in node.choices:
                where = f'node "{node_id}": choice "{choice.key}"'
                yield from ((where, action) for action in choice.actions)
    for entry in flow.anytime:
        yield from ((f'anytime "{entry.id}"', action) for action in entry.actions)


def _anytime_errors(flow: Flow) -> list[str]:
    errors = []
    owners: dict[str, str] = {}
    for entry in flow.anytime:
        where = f'anytime "{entry.id}"'
        if entry.goto and entry.goto not in flow.nodes:
            errors.append(f'{where}: goes to unknown node "{entry.goto}"')
        if entry.actions and not isinstance(entry.actions[-1], TERMINAL_ACTIONS):
            errors.append(f"{where}: actions must end with end or handoff")
        for word in map(normalize, entry.keywords):
            if word in GATEWAY_KEYWORDS:
                errors.append(f'{where}: "{word}" is answered by the gateway, not by flows')
            owner = owners.setdefault(word, entry.id)
            if owner != entry.id:
                errors.append(f'{where}: keyword "{word}" is also used by "{owner}"')
    return errors


def _loop_errors(flow: Flow) -> list[str]:
    """Refuse nodes that lead back to themselves without waiting for the person in between."""
    errors = []
    for node_id in flow.nodes:
        seen: set[str] = set()
        pending = [node_id]
        while pending:
            current = flow.nodes.get(pending.pop())
            if not isinstance(current, MessageNode | ActionNode | BranchNode):
                continue
            for _how, target in _targets(current):
                if target == node_id:
                    errors.append(f'node "{node_id}": loops back to itself without a question')
                    pending = []
                    break
                if target not in seen:
                    seen.add(target)
                    pending.append(target)
    return errors


def _unreachable(flow: Flow) -> list[str]:
    entries = [flow.start, *(entry.goto for entry in flow.anytime if entry.goto)]
    if flow.timeout and flow.timeout.goto:
        entries.append(flow.timeout.goto)
    reached: set[str] = set()
    pending = [node_id for node_id in entries if node_id in flow.nodes]
    while pending:
        node_id = pending.pop()
        if node_id in reached:
            continue
        reached.add(node_id)
        targets = _targets(flow.nodes[node_id])
        pending += [target for _how, target in targets if target in flow.nodes]
    return [node_id for node_id in flow.nodes if node_id not in reached]


def flow_texts(flow: Flow) -> Iterator[tuple[str, Text]]:
    """Yield (where, text) for every text a person can read in this flow."""
    for key, text in flow.texts.items():
        yield f'texts "{key}"', text
    yield from _timeout_texts("timeout", flow.timeout)
    for node_id, node in flow.nodes.items():
        where = f'node "{node_id}"'
        if not isinstance(node, ActionNode | BranchNode) and node.text is not None:
            yield f"{where}: text", node.text
        if isinstance(node, QuestionNode):
            for choice in node.choices:
                yield f'{where}: choice "{choice.key}": label', choice.label
        yield from _timeout_texts(f"{where}: timeout", getattr(node, "timeout", None))


def _timeout_texts(where: str, timeout: Timeout | None) -> Iterator[tuple[str, Text]]:
    if timeout and timeout.nudge:
        yield f"{where}: nudge", timeout.nudge
    if timeout and timeout.end:
        yield f"{where}: end", timeout.end


# Placeholders Lien fills itself in catalogue texts: the site's opening hours.
FILLED_BY_LIEN = frozenset({"hours"})


def _check_texts(flow: Flow, findings: Findings) -> None:
    fields = known_fields(flow) | FILLED_BY_LIEN
    texts = list(flow_texts(flow))
    findings.coverage = {
        lang: (sum(1 for _where, text in texts if text.get(lang, "").strip()), len(texts))
        for lang in flow.languages
    }
    for where, text in texts:
        for lang in text.keys() - flow.languages.keys():
            findings.errors.append(f'{where}: unknown language "{lang}"')
        for lang in flow.languages:
            if text.get(lang, "").strip():
                continue
            if lang == FALLBACK_LANGUAGE:
                findings.errors.append(f"{where}: missing French (fr)")
            elif lang in flow.required_languages:
                findings.errors.append(f'{where}: missing required language "{lang}"')
            else:
                findings.missing_translations.setdefault(lang, []).append(where)
        for lang, template in text.items():
            try:
                names = placeholders(template)
            except ValueError as exc:
                findings.errors.append(f"{where} ({lang}): {exc}")
                continue
            findings.errors += [
                f"{where} ({lang}): unknown placeholder {{{name}}}"
                for name in names
                if name not in fields
            ]
