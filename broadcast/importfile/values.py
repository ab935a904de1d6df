"""Reading one cell of a user file: names, languages, tags, Telegram ids, email addresses."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from babel import Locale

from gateway.tags import TAG_LENGTH, fold_tag

# How staff write the languages of the people they meet, in French, English or the language
# itself; "dari" is written as Persian (fa) because Dari has no two-letter code of its own.
# Languages without a two-letter code keep their three-letter one (Berber, Soninke, Romani).
LANGUAGE_ALIASES: dict[str, str] = {
    "francais": "fr", "french": "fr", "fra": "fr", "fre": "fr",
    "anglais": "en", "english": "en", "eng": "en",
    "arabe": "ar", "arabic": "ar", "ara": "ar", "العربية": "ar", "عربي": "ar", "darija": "ar",
    "tigrinya": "ti", "tigrigna": "ti", "tigrina": "ti", "tir": "ti", "ትግርኛ": "ti",
    "dari": "fa", "persan": "fa", "farsi": "fa", "persian": "fa", "fas": "fa", "prs": "fa",
    "دری": "fa", "فارسی": "fa",
    "pachto": "ps", "pashto": "ps", "pachtou": "ps", "pus": "ps", "پښتو": "ps",
    "berbere": "ber", "berber": "ber", "tamazight": "ber", "tamazigh": "ber", "amazigh": "ber",
    "tamaziɣt": "ber", "ⵜⴰⵎⴰⵣⵉⵖⵜ": "ber", "kabyle": "kab", "taqbaylit": "kab",
    "chleuh": "shi", "tachelhit": "shi", "rifain": "rif", "tarifit": "rif",
    "soninke": "snk", "soninkanxaane": "snk", "wolof": "wo", "romani": "rom", "romanes": "rom",
    "rromani": "rom", "peul": "ff", "pular": "ff", "fulfulde": "ff", "bambara": "bm",
    "lingala": "ln", "somali": "so", "soomaali": "so", "amharique": "am", "አማርኛ": "am",
    "kurde": "ku", "kurdi": "ku", "ourdou": "ur", "urdu": "ur", "اردو": "ur",
    "russe": "ru", "русский": "ru", "georgien": "ka", "ქართული": "ka", "albanais": "sq",
    "shqip": "sq", "turc": "tr", "turkce": "tr", "espagnol": "es", "espanol": "es",
    "portugais": "pt", "portugues": "pt", "ukrainien": "uk", "українська": "uk",
    "bengali": "bn", "বাংলা": "bn", "tamoul": "ta", "mandingue": "man", "malinke": "emk",
}  # fmt: skip
_LIST_SEPARATORS = re.compile(r"[,;/|]")
# "arabe (Maroc)", "arabe - Soudan": the language comes before the region.
_REGION_NOTE = re.compile(r"\s*(?:\(.*|-\s.*|–.*)$")
_REGIONAL_CODE = re.compile(r"([a-z]{2})[-_][a-z0-9]{2,3}")
_TELEGRAM_CHAT_ID = re.compile(r"-?\d{1,20}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def clean_text(value: str) -> str | None:
    """Return a cell's text with its spaces tidied, or None when it is empty."""
    return " ".join(value.split()) or None


@lru_cache(maxsize=1024)
def parse_language(value: str) -> str | None:
    """Return the ISO 639-1 code of a language written by name or code, or None if unknown."""
    first = next((item for item in _LIST_SEPARATORS.split(value) if item.strip()), "")
    key = _fold(_REGION_NOTE.sub("", first) or first)
    regional = _REGIONAL_CODE.fullmatch(key)
    if regional:
        key = regional.group(1)
    if key in LANGUAGE_ALIASES:
        return LANGUAGE_ALIASES[key]
    if key in _language_names():
        return _language_names()[key]
    return key if key in _language_codes() else None


@lru_cache(maxsize=4096)
def _parsed_tags(value: str) -> tuple[tuple[str, str], ...]:
    return tuple(_read_tags(value).items())


def parse_tags(value: str) -> dict[str, str]:
    """Return the tags of a cell, split on , ; / |: each folded code and how it was written."""
    return dict(_parsed_tags(value))


def _read_tags(value: str) -> dict[str, str]:
    """Split a cell into tags, without the cache."""
    written = (" ".join(item.split()) for item in _LIST_SEPARATORS.split(value))
    tags: dict[str, str] = {}
    for text in written:
        code = fold_tag(text)[:TAG_LENGTH]
        if code:
            tags.setdefault(code, text)
    return tags


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
