"""The staff-facing messages of the user file import, from texts.yaml."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

DEFAULT_LANGUAGE = "fr"


def import_message(code: str, *, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """Return the message for a code, in the given language or else in French."""
    translations = _catalogue()[code]
    template = translations.get(language, translations[DEFAULT_LANGUAGE])
    return template.format(**values)


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    source = resources.files("broadcast.importfile").joinpath("texts.yaml")
    loaded: dict[str, dict[str, str]] = yaml.safe_load(source.read_text(encoding="utf-8"))
    return loaded
