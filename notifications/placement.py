"""Where a session's reminders fall when their time is outside the sending window.

A reminder due while sending is closed goes at the last open moment before it when that is no
more than a day earlier (Saturday evening for a Sunday 10:00), otherwise at the first opening
after it; it never goes once the session has started, nor within two hours of another reminder
of the same session (the one that moved is then dropped, with the reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.quiet_hours import SendingWindow, is_open, last_open_before, next_opening

EARLIER_AT_MOST = timedelta(days=1)
MIN_GAP = timedelta(hours=2)
SKIP_AFTER_START = "l'envoi ne serait possible qu'après le début de la séance"
SKIP_TOO_CLOSE = "à moins de 2 h d'un autre rappel de la même séance : non envoyé"


@dataclass(frozen=True)
class Placement:
    """Where one reminder goes, or why it does not."""

    key: str
    due_at: datetime  # the planned time, or where it was moved to
    moved: bool
    skipped_reason: str | None = None


def place(due: datetime, *, start: datetime, window: SendingWindow) -> tuple[datetime, bool]:
    """Return the time a reminder due at `due` goes in the window, and whether it moved."""
    if is_open(window, due):
        return due, False
    before = last_open_before(window, due, within=EARLIER_AT_MOST)
    if before is not None:
        return before, True
    return next_opening(window, due), True


def place_reminders(
    dues: Sequence[tuple[str, datetime]], *, start: datetime, window: SendingWindow
) -> list[Placement]:
    """Place every reminder of one session; those that cannot go say why."""
    placed = []
    for key, due in dues:
        at, moved = place(due, start=start, window=window)
        reason = SKIP_AFTER_START if at >= start else None
        placed.append(Placement(key, at, moved, reason))
    dropped: set[str] = set()
    previous: Placement | None = None
    for current in sorted((p for p in placed if p.skipped_reason is None), key=lambda p: p.due_at):
        if previous is None or current.due_at - previous.due_at >= MIN_GAP:
            previous = current
            continue
        # Keep the one at its own time; when both moved, keep the one nearer the session.
        if previous.moved or not current.moved:
            dropped.add(previous.key)
            previous = current
        else:
            dropped.add(current.key)
    return [
        Placement(p.key, p.due_at, p.moved, SKIP_TOO_CLOSE) if p.key in dropped else p
        for p in placed
    ]
