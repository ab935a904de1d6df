"""Texts in several languages: pick the person's language, fill placeholders, tidy the result."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

# A text as written in flow and directory files: language code → text. French is always there.
Text = dict[str, str]

FALLBACK_LANGUAGE = "fr"

_FORMATTER = string.Formatter()
_SPACES = re.compile(r"[ \t]{2,}")
# An empty placeholder leaves "Merci ." or "Bonjour , ..." behind: glue the punctuation back.
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,،])")


def pick(text: Mapping[str, str], lang: str | None) -> str:
    """Return the text in the given language, or in French when it is missing."""
    if lang and text.get(lang):
        return text[lang]
    return text[FALLBACK_LANGUAGE]


def placeholders(template: str) -> list[str]:
    """Return the placeholder names of a template; raise ValueError when it is malformed."""
    names = []
    for _literal, name, spec, conversion in _FORMATTER.parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"malformed placeholder {{{name}}}")
        names.append(name)
    return names


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace {name} placeholders by their value; a missing value leaves nothing behind."""
    parts = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(values.get(name, ""))
    return "\n".join(_tidy(line) for line in "".join(parts).split("\n"))


def _tidy(line: str) -> str:
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", line)).strip()


def render(text: Mapping[str, str], lang: str | None, values: Mapping[str, str]) -> str:
    """Return the text in the person's language with its placeholders filled."""
    return fill(pick(text, lang), values)
