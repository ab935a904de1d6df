"""Counters of what the gateway writes, kept as it writes them rather than counted on each scrape.

Each process counts what it wrote. Several processes on one machine (`lien serve` and workers)
add up when PROMETHEUS_MULTIPROC_DIR names a folder they share (prometheus-client's multiprocess
mode); see docs/deploy.md.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import Counter

MESSAGES = Counter(
    "lien_messages",
    "Messages written to the record, by direction and channel.",
    ["direction", "channel"],
)
STATUSES = Counter(
    "lien_message_statuses", "Steps written to messages' status histories, by status.", ["status"]
)


def count_messages(rows: Iterable[tuple[str, str]]) -> None:
    """Count messages written, given as (direction, channel)."""
    for (direction, channel), n in Tally(rows).items():
        MESSAGES.labels(direction=direction, channel=channel).inc(n)


def count_statuses(statuses: Iterable[str]) -> None:
    """Count status steps written."""
    for status, n in Tally(statuses).items():
        STATUSES.labels(status=status).inc(n)
