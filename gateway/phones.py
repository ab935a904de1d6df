"""Phone numbers: one canonical form (E.164) so that one person is one contact."""

from __future__ import annotations

import phonenumbers

from db.errors import InvalidError

DEFAULT_REGION = "FR"


class InvalidPhoneNumber(ValueError, InvalidError):
    """A text that cannot be read as a phone number."""


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of a phone number written in any usual way."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"numéro illisible : {exc}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("numéro invalide")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
