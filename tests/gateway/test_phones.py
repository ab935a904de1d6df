"""Phone numbers: one form per number, and which kind of line it is."""

import pytest

from gateway.phones import InvalidPhoneNumber, normalize_phone, phone_kind, read_phone


@pytest.mark.parametrize(
    ("written", "number", "kind"),
    [
        ("06 12 34 56 78", "+33612345678", "mobile"),
        ("07.98.76.54.32", "+33798765432", "mobile"),
        ("04 68 12 34 56", "+33468123456", "fixed"),
        ("0800 12 34 56", "+33800123456", "toll_free"),
        ("0899 12 34 56", "+33899123456", "premium"),
        ("09 51 23 45 67", "+33951234567", "voip"),
        ("0690 12 34 56", "+590690123456", "mobile"),  # Guadeloupe
        ("0692 12 34 56", "+262692123456", "mobile"),  # La Réunion
        ("0696 12 34 56", "+596696123456", "mobile"),  # Martinique
        ("+32 470 12 34 56", "+32470123456", "mobile"),
    ],
)
def test_a_number_is_read_with_its_kind_of_line(written: str, number: str, kind: str) -> None:
    assert read_phone(written) == (number, kind)


def test_the_quick_reading_of_french_numbers_agrees_with_phonenumbers() -> None:
    # Every two-digit French prefix, with several subscriber numbers each.
    for prefix in range(10, 100):
        for tail in ("0000000", "1234567", "9876543", "5500001"):
            written = f"0{prefix}{tail}"
            try:
                slow: tuple[str, str] | None = (
                    normalize_phone(written),
                    phone_kind(normalize_phone(written)),
                )
            except InvalidPhoneNumber:
                slow = None
            try:
                quick: tuple[str, str] | None = read_phone(written)
            except InvalidPhoneNumber:
                quick = None
            assert quick == slow, written


def _slow_reading(written: str) -> tuple[str, str] | None:
    try:
        number = normalize_phone(written)
    except InvalidPhoneNumber:
        return None
    return number, phone_kind(number)


def _quick_reading(written: str) -> tuple[str, str] | None:
    try:
        return read_phone(written)
    except InvalidPhoneNumber:
        return None


@pytest.mark.parametrize(
    "shape",
    [
        "{0}{1} {2}{3} {4}{5} {6}{7} {8}{9}",
        "{0}{1}.{2}{3}.{4}{5}.{6}{7}.{8}{9}",
        "{0}{1}-{2}{3}-{4}{5}-{6}{7}-{8}{9}",
        "{0}{1}{2}{3} {4}{5}{6} {7}{8}{9}",
        " {0}{1} {2}{3}.{4}{5}-{6}{7}  {8}{9} ",
        "{0} {1}{2} {3}{4} {5}{6} {7}{8} {9}",
        "{1} {2}{3} {4}{5} {6}{7} {8}{9}",  # the leading 0 lost
        "{0}{1} {2}{3} {4}{5} {6}{7} {8}",  # one digit short
        "{0}{1} {2}{3} {4}{5} {6}{7} {8}{9} 1",  # one too many
        "+33 {1} {2}{3} {4}{5} {6}{7} {8}{9}",
        "0033 {1} {2}{3} {4}{5} {6}{7} {8}{9}",
        "{0}{1}\u00a0{2}{3}\u00a0{4}{5}\u00a0{6}{7}\u00a0{8}{9}",  # non-breaking spaces
    ],
)
def test_every_way_of_spacing_a_number_reads_as_phonenumbers_reads_it(shape: str) -> None:
    # Every three-digit prefix: mobiles, overseas (0639, 069x), fixed, 08, 09, invalid ones.
    for prefix in range(1000):
        digits = f"0{prefix:03d}{('000000', '512347')[prefix % 2]}"
        written = shape.format(*digits)
        assert _quick_reading(written) == _slow_reading(written), written
