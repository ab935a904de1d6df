"""Opt-out and opt-in keywords, recognised on every channel whatever the case or accents."""

from __future__ import annotations

import re
import unicodedata

STOP_WORDS = frozenset({"stop", "arret", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "reprendre", "unstop", "subscribe"})
_NOISE = re.compile(r"[\s\.\!\?,;:'\"’«»\-_/()]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: the form keywords are compared in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOISE.sub(" ", bare).strip()


def consent_keyword(text: str) -> str | None:
    """Return "stop" or "start" when the whole message is such a keyword."""
    word = fold(text).replace(" ", "")
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
