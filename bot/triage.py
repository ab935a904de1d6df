"""The vocabulary shared by flows, the directory and triage tickets: needs and priorities."""

from __future__ import annotations

from typing import Final, Literal, get_args

Priority = Literal["normal", "high", "urgent"]

# Ordered from least to most pressing, so a priority can only be raised.
PRIORITIES: Final[tuple[Priority, ...]] = get_args(Priority)

NEEDS: Final[tuple[str, ...]] = (
    "shelter",
    "health",
    "rights",
    "french",
    "food",
    "work",
    "talk",
)


def higher_priority(first: Priority, second: Priority) -> Priority:
    """Return the more pressing of two priorities."""
    return max(first, second, key=PRIORITIES.index)
