"""The sending policy applied at the last moment: consent, expiry, quiet hours."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.quiet_hours import SendingWindow, is_open, next_opening

WINDOW_SETTING = "sending_window"


class Verdict(enum.Enum):
    SEND = "send"
    DEFER = "defer"
    SUPPRESS = "suppress"
    EXPIRE = "expire"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    until: datetime | None = None
    reason: str | None = None


def window_from_settings(settings: dict[str, Any]) -> SendingWindow:
    """Read an organisation's sending window, or the French default."""
    raw = settings.get(WINDOW_SETTING)
    return SendingWindow.from_mapping(raw) if raw else SendingWindow()


def decide(
    *,
    opted_out: bool,
    bypass_consent: bool,
    respect_quiet_hours: bool,
    expires_at: datetime | None,
    window: SendingWindow,
    now: datetime,
) -> Decision:
    """Say whether a due message goes now, later, or never."""
    if opted_out and not bypass_consent:
        return Decision(Verdict.SUPPRESS, reason="la personne a demandé STOP")
    if expires_at is not None and expires_at <= now:
        return Decision(Verdict.EXPIRE, reason="trop tard : le moment est passé")
    if respect_quiet_hours and not is_open(window, now):
        opening = next_opening(window, now)
        if expires_at is not None and opening >= expires_at:
            return Decision(
                Verdict.EXPIRE, reason="heures calmes jusqu'après l'échéance : non envoyé"
            )
        return Decision(Verdict.DEFER, until=opening, reason="heures calmes")
    return Decision(Verdict.SEND)
