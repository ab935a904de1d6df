"""Soak under faults and SIGKILL (see `bench/soak.py`); `--quick` is the 600-recipient variant.

Baseline: the ideal time the rate limits set for the same messages, in the same run.
"""

from __future__ import annotations

from bench.soak import FULL, QUICK, describe, soak


async def run(*, quick: bool, database_url: str | None) -> None:
    plan = QUICK if quick else FULL
    done = await soak(plan, database_url)
    print("\n".join(describe(done, plan)), flush=True)
