"""The phone cells of a user file: several numbers in one cell, and which ones take an SMS."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from gateway.phones import SMS_KINDS, InvalidPhoneNumber, read_phone

# "06 12 34 56 78 / 04 68 12 34 56", "06… ou 07…", one per line in the cell.
_SEPARATORS = re.compile(r"\s*(?:[/;,|\n]|\bet\b|\bou\b)\s*", re.IGNORECASE)
# A cell of nothing but digits, spaces, dots, dashes and "+" holds no separator: one number.
_ONE_NUMBER_CHARACTERS = "0123456789 .-+"


# Named tuples rather than dataclasses: the import builds them for every line of a file.
class PhoneNumber(NamedTuple):
    """One number found in a cell, in E.164, with its kind of line."""

    number: str
    kind: str
    written: str

    @property
    def takes_sms(self) -> bool:
        """Tell whether an SMS can be sent to this number."""
        return self.kind in SMS_KINDS


class PhoneCells(NamedTuple):
    """Every number of a line's phone cells, and the parts that were not numbers."""

    sms: tuple[PhoneNumber, ...]  # the numbers that take an SMS, first written first
    other: tuple[PhoneNumber, ...]  # kept on the record without being SMS contacts
    invalid: tuple[str, ...]


def read_phones(cells: Sequence[str], *, region: str) -> PhoneCells:
    """Split and read the phone cells of a line; the same number twice counts once."""
    if len(cells) == 1 and not cells[0].strip(_ONE_NUMBER_CHARACTERS):
        return _one_number(cells[0].strip(), region=region)
    sms: list[PhoneNumber] = []
    other: list[PhoneNumber] = []
    invalid: list[str] = []
    seen: set[str] = set()
    for cell in cells:
        parts = (cell,) if not cell.strip(_ONE_NUMBER_CHARACTERS) else _SEPARATORS.split(cell)
        for part in parts:
            written = part.strip()
            if not written:
                continue
            try:
                number, kind = read_phone(written, region=region)
            except InvalidPhoneNumber:
                invalid.append(written)
                continue
            if number not in seen:
                seen.add(number)
                (sms if kind in SMS_KINDS else other).append(PhoneNumber(number, kind, written))
    return PhoneCells(tuple(sms), tuple(other), tuple(invalid))


def _one_number(written: str, *, region: str) -> PhoneCells:
    # The usual line: one phone cell holding one number.
    try:
        number, kind = read_phone(written, region=region)
    except InvalidPhoneNumber:
        return PhoneCells((), (), (written,))
    found = (PhoneNumber(number, kind, written),)
    return PhoneCells(found, (), ()) if kind in SMS_KINDS else PhoneCells((), found, ())
