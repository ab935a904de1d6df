"""SMS length and cost: which alphabet a text needs and how many segments it is billed as.

The alphabets follow 3GPP TS 23.038 (GSM 03.38): the 7-bit default alphabet and its extension
table, with no national language shift tables (French carriers do not use them). One character
outside GSM-7 switches the whole message to UCS-2, which costs about 2.3 times as much.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# The default alphabet, in code point order 0x00-0x7F; 0x1B (escape) is left out, it is not a
# character. Position 0x09 is the capital Ç, as printed in the standard: the lowercase ç is absent.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through the escape code, so each costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_SEGMENT_UNITS: dict[Encoding, int] = {"GSM-7": 160, "UCS-2": 70}
# A split message carries a 6-byte header in every part, leaving less room for the text.
MULTIPART_SEGMENT_UNITS: dict[Encoding, int] = {"GSM-7": 153, "UCS-2": 67}

# Look-alikes that keep a French text in GSM-7. Only characters outside GSM-7 are listed:
# é è à ù É Ç are in the alphabet and are never touched.
_GSM7_LOOKALIKES: dict[str, str] = {
    "’": "'", "‘": "'", "‚": "'", "′": "'", "ʼ": "'",
    "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "″": '"',
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\t": " ",
    "…": "...", "–": "-", "—": "-", "‑": "-", "−": "-", "•": "-",
    "â": "a", "á": "a", "ã": "a", "À": "A", "Â": "A", "Á": "A", "Ã": "A",
    "ê": "e", "ë": "e", "È": "E", "Ê": "E", "Ë": "E",
    "î": "i", "ï": "i", "í": "i", "Î": "I", "Ï": "I", "Í": "I", "Ì": "I",
    "ô": "o", "ó": "o", "õ": "o", "Ô": "O", "Ó": "O", "Ò": "O", "Õ": "O",
    "û": "u", "ú": "u", "Û": "U", "Ù": "U", "Ú": "U",
    "ç": "c", "ÿ": "y", "Ÿ": "Y", "œ": "oe", "Œ": "OE",
}  # fmt: skip
_LOOKALIKE_TABLE = str.maketrans(_GSM7_LOOKALIKES)


@dataclass(frozen=True)
class SmsAnalysis:
    """How a text travels by SMS: alphabet, length in units, billed segments, a cheaper wording."""

    encoding: Encoding
    # Septets for GSM-7 (extension characters count two), UTF-16 code units for UCS-2.
    length: int
    # An empty text is 0 segments: nothing is sent, nothing is billed.
    segments: int
    # The characters that force UCS-2, each once, in order of first appearance.
    ucs2_chars: tuple[str, ...]
    # The same text with look-alike GSM-7 characters, offered only when it is fully GSM-7.
    suggestion: str | None


def analyze_sms(text: str) -> SmsAnalysis:
    """Return the encoding, length, segment count and a GSM-7 rewording of an SMS text."""
    ucs2_chars = tuple(dict.fromkeys(char for char in text if not is_gsm7_char(char)))
    encoding: Encoding = "UCS-2" if ucs2_chars else "GSM-7"
    costs = [_unit_cost(char, encoding) for char in text]
    return SmsAnalysis(
        encoding=encoding,
        length=sum(costs),
        segments=_count_segments(costs, encoding),
        ucs2_chars=ucs2_chars,
        suggestion=_gsm7_suggestion(text) if ucs2_chars else None,
    )


def segments_for(text: str) -> int:
    """Return how many SMS segments a text is billed as."""
    return analyze_sms(text).segments


def is_gsm7_char(char: str) -> bool:
    """Tell whether a character can be sent in the GSM 7-bit alphabet."""
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def _unit_cost(char: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if char in GSM7_EXTENSION else 1
    # Characters beyond the Basic Multilingual Plane (most emoji) take a surrogate pair.
    return 2 if ord(char) > 0xFFFF else 1


def _count_segments(costs: list[int], encoding: Encoding) -> int:
    # Phones never split an escape sequence or a surrogate pair across two parts, so a
    # character that does not fit whole starts the next part: ceil(length / 153) undercounts.
    total = sum(costs)
    if total == 0:
        return 0
    if total <= SINGLE_SEGMENT_UNITS[encoding]:
        return 1
    room = MULTIPART_SEGMENT_UNITS[encoding]
    segments, used = 1, 0
    for cost in costs:
        if used + cost > room:
            segments, used = segments + 1, 0
        used += cost
    return segments


def _gsm7_suggestion(text: str) -> str | None:
    rewritten = text.translate(_LOOKALIKE_TABLE)
    if rewritten == text or not all(is_gsm7_char(char) for char in rewritten):
        return None
    return rewritten
