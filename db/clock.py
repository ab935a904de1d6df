"""The program's one clock: the only module that reads the wall clock.

Code that decides with time takes `now` from its caller, and the boundaries (a request, a job, a
command) read it here once. Tests freeze this clock with time-machine, so the code under test and
the test's expectations see the same moment. Log lines stamp their own time.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)
