"""Writing a session's date and time for a person, in their language."""

from __future__ import annotations

import functools
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel.dates import format_datetime

DEFAULT_LANGUAGE = "fr"
_DATA_FILE = "date_patterns.yaml"


def format_occurrence(start_utc: datetime, *, tz: str, lang: str) -> str:
    """Return e.g. "mardi 3 décembre à 14h30" for the start, in the person's language."""
    if start_utc.tzinfo is None or start_utc.utcoffset() is None:
        raise ValueError("start_utc must be timezone-aware")
    zone = _zone(tz)
    language = _language(lang)
    entry = _patterns()[language]
    day = "d"
    if start_utc.astimezone(zone).day == 1:
        day = entry.get("first_day", "d")
    pattern = entry["pattern"].replace("{day}", day)
    return format_datetime(start_utc, pattern, tzinfo=zone, locale=language)


def _language(lang: str) -> str:
    """Return the known language closest to a tag such as "en-GB", or French."""
    base = lang.strip().replace("_", "-").split("-")[0].lower()
    return base if base in _patterns() else DEFAULT_LANGUAGE


@functools.cache
def _patterns() -> dict[str, dict[str, str]]:
    text = resources.files("notifications").joinpath("data", _DATA_FILE).read_text("utf-8")
    patterns: dict[str, dict[str, str]] = yaml.safe_load(text)
    if DEFAULT_LANGUAGE not in patterns:
        raise ValueError(f"{_DATA_FILE} : il manque la langue par défaut {DEFAULT_LANGUAGE}")
    return patterns


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"fuseau horaire inconnu : {name!r}") from exc
