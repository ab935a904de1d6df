"""Phone numbers: one canonical form (E.164) so that one person is one contact."""

from __future__ import annotations

import re
from functools import cache

import phonenumbers

from db.errors import InvalidError

DEFAULT_REGION = "FR"
_DIGITS = re.compile(r"\d")
# French overseas departments are dialled 0690…, 0692… from France but have their own country
# codes: a number invalid in France is tried there before being refused.
FRENCH_OVERSEAS_REGIONS = ("GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF")
# Numbers that can take an SMS; the others (fixed lines, free and premium numbers) cannot.
SMS_KINDS = frozenset({"mobile", "fixed_or_mobile"})
_KINDS = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_or_mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.VOIP: "voip",
}


class InvalidPhoneNumber(ValueError, InvalidError):
    """A text that cannot be read as a phone number."""


# "06 12 34 56 78", "06.12.34.56.78": read against France's own number plan without a full parse.
_FRENCH_NATIONAL = re.compile(r"0(\d{9})")
_SPACING = re.compile(r"[\s.\-]")
# A number written with nothing but ASCII digits, spaces, dots and dashes, the usual case.
_PLAIN_CHARACTERS = "0123456789 .-"


def read_phone(raw: str, *, region: str = DEFAULT_REGION) -> tuple[str, str]:
    """Return the E.164 form of a phone number and its kind of line (see phone_kind)."""
    if region == "FR":
        known = _read_french(raw)
        if known is not None:
            return known
    number = normalize_phone(raw, region=region)
    return number, phone_kind(number)


def _read_french(raw: str) -> tuple[str, str] | None:
    # A 0 and nine digits, matched against the same patterns phonenumbers uses, in its order.
    if raw.strip(_PLAIN_CHARACTERS):
        written = _FRENCH_NATIONAL.fullmatch(_SPACING.sub("", raw))
        if written is None:
            return None
        national = written.group(1)
    else:
        # Three replacements cost a fraction of one str.translate deleting the same characters.
        digits = raw.replace(" ", "").replace(".", "").replace("-", "")
        if len(digits) != 10 or digits[0] != "0":
            return None
        national = digits[1:]
    matched = _french_plan().fullmatch(national)
    kind = matched.lastgroup if matched else None
    return ("+33" + national, kind) if kind is not None else None


@cache
def _french_plan() -> re.Pattern[str]:
    # One pattern per kind of line, tried in this order; the group that matched names the kind.
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    assert metadata is not None
    descriptions = (
        (metadata.mobile, "mobile"),
        (metadata.fixed_line, "fixed"),
        (metadata.toll_free, "toll_free"),
        (metadata.premium_rate, "premium"),
        (metadata.shared_cost, "shared_cost"),
        (metadata.voip, "voip"),
    )
    return re.compile(
        "|".join(
            f"(?P<{kind}>{d.national_number_pattern})"
            for d, kind in descriptions
            if d is not None and d.national_number_pattern
        )
    )


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of a phone number written in any usual way."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"numéro illisible : {exc}") from exc
    if not phonenumbers.is_valid_number(parsed) and region == "FR" and not text.startswith("+"):
        parsed = next(
            (
                overseas
                for overseas in (phonenumbers.parse(text, r) for r in FRENCH_OVERSEAS_REGIONS)
                if phonenumbers.is_valid_number(overseas)
            ),
            parsed,
        )
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("numéro invalide")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_kind(e164: str) -> str:
    """Return what kind of line a number is: mobile, fixed, toll_free, premium, voip…"""
    parsed = phonenumbers.parse(e164, None)
    return _KINDS.get(phonenumbers.number_type(parsed), "other")


def mask_phone(phone: str) -> str:
    """Hide all but the last two digits, for logs and screens that do not need the number."""
    digits = _DIGITS.findall(phone)
    if len(digits) <= 2:
        return "*" * len(digits)
    return "+" + "*" * (len(digits) - 2) + "".join(digits[-2:])
