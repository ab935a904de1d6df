"""The wall clock is read in one module: everything else takes `now` from it or from its caller."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import time_machine

from db.clock import utcnow

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("db", "gateway", "bot", "notifications", "broadcast", "lien")
WALL_CLOCK = re.compile(
    r"\b(?:datetime\.(?:now|utcnow|today)|date\.today|time\.(?:time|time_ns|localtime|gmtime))\("
)
THE_CLOCK = Path("db/clock.py")


def wall_clock_reads() -> list[str]:
    found = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative == THE_CLOCK:
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
                if WALL_CLOCK.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    assert wall_clock_reads() == []


def test_the_rule_sees_a_wall_clock_read() -> None:
    assert WALL_CLOCK.search("    today = date.today()")
    assert WALL_CLOCK.search("stamp = int(time.time())")
    assert not WALL_CLOCK.search("now = utcnow()")


def test_the_clock_is_aware_and_follows_a_frozen_time() -> None:
    moment = datetime(2031, 2, 3, 4, 5, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        assert utcnow() == moment
    assert utcnow().tzinfo is UTC
