"""What the reminders domain writes to people: the catalogue, event texts, and reply words."""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.catalogue import DEFAULT_LANGUAGE, load_catalogue, render
from gateway.channels.base import Choice
from gateway.keywords import fold
from notifications.answers import read_plain_answer

CATALOGUE = Path(__file__).parent / "texts.yaml"
# What a staff-written reminder template may use.
TEMPLATE_FIELDS = frozenset({"title", "when", "place", "text"})


def text(key: str, language: str | None, **params: Any) -> str:
    """Return a catalogue text in the person's language (French if missing), filled in."""
    return render(load_catalogue(CATALOGUE)[key], language, **params)


def yes_no_choices(language: str | None) -> tuple[Choice, ...]:
    """Return the two answers to a reminder or an offer: 1 for yes, 2 for no."""
    return (Choice("1", text("choice_yes", language)), Choice("2", text("choice_no", language)))


def event_text(texts: dict[str, Any], field: str, language: str | None) -> str:
    """Return an event's title or text in a language, or in French."""
    own = texts.get(language or DEFAULT_LANGUAGE) or {}
    value = own.get(field) or (texts.get(DEFAULT_LANGUAGE) or {}).get(field)
    return str(value or "")


def reminder_template(texts: dict[str, Any], language: str | None) -> str:
    """Pick the event's own template in the language, else Lien's, else the event's French one."""
    own = (texts.get(language or DEFAULT_LANGUAGE) or {}).get("reminder")
    if own:
        return str(own)
    catalogue = load_catalogue(CATALOGUE)["reminder"]
    if language in catalogue:
        return catalogue[language]
    french = (texts.get(DEFAULT_LANGUAGE) or {}).get("reminder")
    return str(french or catalogue[DEFAULT_LANGUAGE])


def fill_template(template: str, **params: str) -> str:
    """Fill a reminder template; an unknown placeholder is left empty rather than failing."""
    return render({DEFAULT_LANGUAGE: template}, DEFAULT_LANGUAGE, **params)


def template_problems(template: str) -> list[str]:
    """Return what is wrong with a staff-written template, in French."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return ["accolades mal fermées dans le modèle de rappel"]
    unknown = sorted(fields - TEMPLATE_FIELDS)
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS))
        return [f"champ inconnu dans le modèle : {', '.join(unknown)} (possibles : {allowed})"]
    return []


@dataclass(frozen=True)
class Answer:
    """How a short message can be read: a yes or no, a number, or a request for the list."""

    yes: bool | None = None
    number: int | None = None
    activities: bool = False
    # The message says more than yes or no ("oui mais en retard"): staff should read it.
    note: bool = False


@functools.cache
def _words(key: str) -> frozenset[str]:
    entry = load_catalogue(CATALOGUE)[key]
    return frozenset(fold(word) for value in entry.values() for word in value.split())


def read_answer(message: str) -> Answer | None:
    """Read a message as an answer Lien understands ("2", "OUI", "non merci"), or None."""
    words = fold(message).split()
    if len(words) > 1:
        # "Non merci je peux pas", "oui mais en retard"; what stays unclear is left to staff.
        plain = read_plain_answer(message)
        return None if plain is None else Answer(yes=plain.yes, note=plain.note)
    word = "".join(words)
    if not word:
        return None
    if word in _words("keyword_activities"):
        return Answer(activities=True)
    number = int(word) if word.isdigit() and len(word) <= 2 else None
    yes = _yes_or_no(word)
    if yes is None and number is None:
        plain = read_plain_answer(message)  # "empêchée", "absent"
        return None if plain is None else Answer(yes=plain.yes, note=plain.note)
    return Answer(yes=yes, number=number)


def _yes_or_no(word: str) -> bool | None:
    if word in _words("keyword_yes"):
        return True
    if word in _words("keyword_no"):
        return False
    return None
