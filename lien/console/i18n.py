"""Languages of the console: French first, English from a Babel catalogue read at start."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

DEFAULT_LANGUAGE = "fr"
LANGUAGES = ("fr", "en")
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"


def N_(text: str) -> str:
    """Mark a French text for the catalogue; it is translated where it is shown."""
    return text


@dataclass(frozen=True)
class Problem:
    """A text for people, kept untranslated (French msgid) until a page shows it."""

    text: str
    params: dict[str, object] = field(default_factory=dict)


@functools.cache
def translations(language: str) -> NullTranslations:
    """Return the catalogue of a language, compiled from its .po file in memory."""
    po = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return NullTranslations()  # French: the messages are their own text
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translate(problem: Problem, language: str) -> str:
    """Return a problem's text in a language, with its values filled in."""
    text = translations(language).gettext(problem.text)
    return text % problem.params if problem.params else text


def _accepted(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _q, _p, tag in sorted(weighted)]


def negotiate(accept_language: str | None) -> str:
    """Pick the console language from an Accept-Language header; French by default."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best = Locale.negotiate(_accepted(accept_language), list(LANGUAGES), sep="-")
    if best is None:
        for tag in _accepted(accept_language):
            base = tag.split("-")[0].lower()
            if base in LANGUAGES:
                return base
        return DEFAULT_LANGUAGE
    return best.language


def request_language(request: Request) -> str:
    """Return the language chosen in the session, else the browser's, else French."""
    chosen = request.session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return negotiate(request.headers.get("accept-language"))


def language_name(code: str, *, in_language: str) -> str:
    """Return the name of a language (ISO 639 code) written in another language."""
    try:
        name = Locale.parse(code).get_display_name(in_language)
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:] if name else code
