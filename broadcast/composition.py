"""The text each person gets: their language's version (French otherwise), personalised."""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from broadcast.texts import Invalid, broadcast_text

FALLBACK_LANGUAGE = "fr"
# Staff write placeholders in French; the English names are accepted too.
PLACEHOLDERS = {"prénom": "first_name", "prenom": "first_name", "first_name": "first_name"}
PLACEHOLDERS |= {"site": "site"}
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Personal:
    """What a text can be personalised with."""

    first_name: str | None = None
    site: str | None = None

    def value(self, placeholder: str) -> str:
        name = PLACEHOLDERS[placeholder]
        return (self.first_name if name == "first_name" else self.site) or ""


def check_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """Return the texts by lower-case language; raise Invalid unless each one can be sent."""
    clean = {language.strip().lower(): body.strip() for language, body in texts.items()}
    if not clean.get(FALLBACK_LANGUAGE):
        raise Invalid("french_text_required")
    for language, body in clean.items():
        if not body:
            raise Invalid("empty_text", lang=language)
        placeholders_of(body, language=language)
    return clean


def placeholders_of(text: str, *, language: str = FALLBACK_LANGUAGE) -> set[str]:
    """Return the placeholders a text uses; raise Invalid for a broken or unknown one."""
    found: set[str] = set()
    for _literal, name, spec, conversion in _pieces(text, language=language):
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            known = ", ".join("{" + p + "}" for p in ("prénom", "site"))
            raise Invalid(
                "unknown_placeholder", placeholder="{" + name + "}", lang=language, known=known
            )
        found.add(name)
    return found


def uses_field(texts: Mapping[str, str], field: str) -> bool:
    """Tell whether any text is personalised with this field (first_name or site)."""
    return any(
        PLACEHOLDERS[name] == field for body in texts.values() for name in placeholders_of(body)
    )


def text_language(texts: Mapping[str, str], language: str | None) -> str:
    """Return the language of the text a person reading `language` gets."""
    return language if language is not None and language in texts else FALLBACK_LANGUAGE


def personalise(template: str, personal: Personal) -> str:
    """Fill the placeholders; an empty value takes the space before it away too."""
    parts: list[str] = []
    for literal, name, _spec, _conversion in _pieces(template):
        parts.append(literal)
        if name is None:
            continue
        value = personal.value(name)
        if not value and parts[-1].endswith(" "):
            parts[-1] = parts[-1][:-1]
        parts.append(value)
    return "".join(parts)


def compose(
    texts: Mapping[str, str], *, language: str | None, personal: Personal, stop_notice: bool
) -> str:
    """Return the message a person gets, with the way to stop in the text's language."""
    chosen = text_language(texts, language)
    body = personalise(texts[chosen], personal)
    if not stop_notice:
        return body
    return f"{body}\n{broadcast_text('stop_notice', chosen)}"


def _pieces(
    text: str, *, language: str = FALLBACK_LANGUAGE
) -> Iterator[tuple[str, str | None, str | None, str | None]]:
    try:
        yield from _FORMATTER.parse(text)
    except ValueError as exc:
        raise Invalid("broken_placeholder", lang=language) from exc


# Twilio refuses a body over 1,600 characters (error 21617): every SMS of the broadcast would fail.
SMS_BODY_LIMIT = 1600
# Personalised texts are checked with names this long, so that a long first name still fits.
_LONG_NAME = Personal(first_name="X" * 20, site="X" * 30)


def check_length(texts: Mapping[str, str], *, stop_notice: bool) -> None:
    """Raise Invalid if a text, with the STOP notice, is longer than an SMS body may be."""
    for language in texts:
        composed = compose(texts, language=language, personal=_LONG_NAME, stop_notice=stop_notice)
        if len(composed) > SMS_BODY_LIMIT:
            raise Invalid(
                "text_too_long", lang=language, length=len(composed), limit=SMS_BODY_LIMIT
            )


def same_text_key(texts: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Return the texts as compared for a repeat: spacing and case do not count."""
    return tuple(sorted((lang, " ".join(body.casefold().split())) for lang, body in texts.items()))
