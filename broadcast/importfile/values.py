"""Reading one cell of a user file: names, languages, tags, Telegram ids, email addresses."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from babel import Locale

# How staff write the languages of the people they meet; "dari" is written as Persian (fa)
# because Dari has no two-letter code of its own.
LANGUAGE_ALIASES: dict[str, str] = {
    "francais": "fr", "french": "fr", "fra": "fr", "fre": "fr",
    "anglais": "en", "english": "en", "eng": "en",
    "arabe": "ar", "arabic": "ar", "ara": "ar",
    "tigrinya": "ti", "tigrigna": "ti", "tigrina": "ti", "tir": "ti",
    "dari": "fa", "persan": "fa", "farsi": "fa", "persian": "fa", "fas": "fa", "prs": "fa",
    "pachto": "ps", "pashto": "ps", "pachtou": "ps", "pus": "ps",
}  # fmt: skip
_LIST_SEPARATORS = re.compile(r"[,;/|]")
_REGIONAL_CODE = re.compile(r"([a-z]{2})[-_][a-z0-9]{2,3}")
_TELEGRAM_CHAT_ID = re.compile(r"-?\d{1,20}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def clean_text(value: str) -> str | None:
    """Return a cell's text with its spaces tidied, or None when it is empty."""
    return " ".join(value.split()) or None


def parse_language(value: str) -> str | None:
    """Return the ISO 639-1 code of a language written by name or code, or None if unknown."""
    first = next((item for item in _LIST_SEPARATORS.split(value) if item.strip()), "")
    key = _fold(first)
    regional = _REGIONAL_CODE.fullmatch(key)
    if regional:
        key = regional.group(1)
    if key in LANGUAGE_ALIASES:
        return LANGUAGE_ALIASES[key]
    if key in _language_names():
        return _language_names()[key]
    return key if key in _language_codes() else None


def parse_tags(value: str) -> frozenset[str]:
    """Return the tags of a cell: split on , ; / |, lowercased, accents kept."""
    return frozenset(
        " ".join(item.split()).lower() for item in _LIST_SEPARATORS.split(value) if item.strip()
    )


def parse_telegram_chat_id(value: str) -> int | None:
    """Return a Telegram chat id written as a number, or None if it is not one."""
    text = value.strip()
    return int(text) if _TELEGRAM_CHAT_ID.fullmatch(text) else None


def parse_email(value: str) -> str | None:
    """Return an email address that looks like one, or None."""
    text = value.strip()
    return text if _EMAIL.fullmatch(text) else None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@cache
def _language_names() -> dict[str, str]:
    # Every language's name in French and English, from the CLDR data Babel ships.
    names: dict[str, str] = {}
    for locale in (Locale("fr"), Locale("en")):
        for code, name in sorted(locale.languages.items()):
            if len(code) == 2 and code.isalpha():
                names.setdefault(_fold(name), code)
    return names


@cache
def _language_codes() -> frozenset[str]:
    return frozenset(_language_names().values())
