"""Read the YAML data files (flows, directory) strictly; explain their mistakes plainly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

# Where a location names an item of a list, show the item by its own name, not its position.
_ITEM_NAMES = {
    "choices": ("choice", "key"),
    "anytime": ("anytime", "id"),
    "entries": ("entry", "id"),
}


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (plain YAML keeps the last one silently)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *anchor` is expanded by construct_mapping below
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f'"{key}" is given twice', key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def read_yaml(path: Path) -> Any:
    """Return the data of a YAML file; raise ValueError naming the line of a mistake."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read: {exc}") from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" (line {mark.line + 1})" if mark else ""
        raise ValueError(f"invalid YAML: {exc.problem or exc.context}{line}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {exc}") from exc


def describe_errors(exc: ValidationError, raw: Any) -> list[str]:
    """Return one readable line per validation error: where it is, then why."""
    return [_describe(error, raw) for error in exc.errors()]


def _describe(error: ErrorDetails, raw: Any) -> str:
    where, last = _where(error["loc"], raw)
    reason = _reason(error, last)
    return f"{': '.join(where)}: {reason}" if where else reason


def _where(loc: tuple[int | str, ...], raw: Any) -> tuple[list[str], str]:
    """Return the readable path to the error and the name of the last field on it."""
    parts: list[str] = []
    last = ""
    current = raw
    position = 0
    while position < len(loc):
        step = loc[position]
        following = loc[position + 1] if position + 1 < len(loc) else None
        position += 1
        if isinstance(current, dict) and step == current.get("kind") and step not in current:
            continue  # the tag pydantic adds for the kind of a node
        if step == "nodes" and isinstance(current, dict) and following is not None:
            parts.append(f'node "{following}"')
            current = _child(current.get("nodes"), following)
            position += 1
        elif step in _ITEM_NAMES and isinstance(current, dict) and isinstance(following, int):
            current = _child(current.get(step), following)
            label, name_field = _ITEM_NAMES[str(step)]
            name = current.get(name_field) if isinstance(current, dict) else None
            parts.append(f'{label} "{name}"' if name is not None else f"{label} {following + 1}")
            position += 1
        elif step == "actions" and isinstance(current, dict) and isinstance(following, int):
            current = _child(current.get("actions"), following)
            name = next(iter(current), None) if isinstance(current, dict) else None
            parts.append(f"action {following + 1}")
            position += 1
            if isinstance(current, dict) and loc[position : position + 1] == (name,):
                current = current[name]
                position += 1
        else:
            last = str(step)
            parts.append(f'"{step}"' if isinstance(step, str) else f"item {step + 1}")
            current = _child(current, step)
    if parts and parts[-1] == f'"{last}"':
        parts.pop()
    return parts, last


def _child(container: Any, step: int | str) -> Any:
    if isinstance(container, dict):
        return container.get(step)
    if isinstance(container, list) and isinstance(step, int) and 0 <= step < len(container):
        return container[step]
    return None


def _reason(error: ErrorDetails, last: str) -> str:
    kind = error["type"]
    if kind == "missing":
        return f'missing "{last}"'
    if kind == "extra_forbidden":
        return f'unknown field "{last}"'
    if kind == "union_tag_invalid":
        context = error.get("ctx") or {}
        return f'unknown kind "{context.get("tag")}"'
    if kind == "union_tag_not_found":
        return 'missing "kind"'
    message = error["msg"].removeprefix("Value error, ")
    return f'"{last}": {message}' if last else message
