"""Fuzzing at volume: the fuzz tests with 10,000 malformed requests in all (2,500 per test).

Runs tests/lien/test_fuzz_webhooks.py and test_fuzz_api.py under pytest in a subprocess, with
`LIEN_FUZZ_EXAMPLES` raised and the tallies written to a report, then prints the answers by
status class, the 5xx count and the integrity checks. Baseline: the same tests at the suite's
own example count, in the same run, for the time per request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import ROOT

TESTS = ["tests/lien/test_fuzz_webhooks.py", "tests/lien/test_fuzz_api.py"]


def fuzz(examples: int, database_url: str | None) -> tuple[list[dict[str, Any]], float, int]:
    """Run the fuzz tests; return their tallies, the seconds taken and pytest's exit code."""
    report = Path(tempfile.mkdtemp(prefix="lien-bench-fuzz-")) / "fuzz.jsonl"
    env = {**os.environ, "LIEN_FUZZ_EXAMPLES": str(examples), "LIEN_FUZZ_REPORT": str(report)}
    if database_url:
        env["LIEN_TEST_DATABASE_URL"] = database_url
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode:
        print(done.stdout[-3000:])
    lines = report.read_text().splitlines() if report.exists() else []
    return [json.loads(line) for line in lines], elapsed, done.returncode


def summary(tallies: list[dict[str, Any]]) -> tuple[int, Counter[str], dict[str, int]]:
    classes: Counter[str] = Counter()
    checks: Counter[str] = Counter()
    for tally in tallies:
        for answer, count in tally["answers"].items():
            classes[answer.rsplit(" ", 1)[1][0] + "xx"] += count
        checks.update(tally["checks"])
    return sum(classes.values()), classes, dict(checks)


def run(*, quick: bool, database_url: str | None) -> None:
    per_test = 250 if quick else 2500
    base, base_seconds, _ = fuzz(40, database_url)
    base_requests, _, _ = summary(base)
    tallies, seconds, code = fuzz(per_test, database_url)
    requests, classes, checks = summary(tallies)
    for tally in tallies:
        total = sum(tally["answers"].values())
        print(f"{tally['test']}: {total} requests {dict(sorted(tally['answers'].items()))}")
    print(
        f"{requests} malformed requests in {seconds:.0f} s ({requests / seconds:.0f}/s; baseline "
        f"run of {base_requests} at {base_requests / base_seconds:.0f}/s): "
        f"{dict(sorted(classes.items()))}"
    )
    broken = {name: count for name, count in checks.items() if count}
    print(
        f"5xx answers: {classes.get('5xx', 0)} | row checks failed: {broken or 'none'} "
        f"({', '.join(sorted(checks))}) | pytest exit code {code}"
    )
