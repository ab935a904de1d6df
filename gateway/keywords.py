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


def is_bot_start(text: str) -> bool:
    """Tell whether the message is Telegram's /start, sent when someone opens the bot."""
    command = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    return command.lower().split("@")[0] == "/start"


def consent_keyword(text: str) -> str | None:
    """Return "stop" or "start" when the whole message is such a keyword."""
    if is_bot_start(text):
        # Opening the bot asks for a conversation, not for the opt-in confirmation.
        return None
    word = fold(text).replace(" ", "")
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
