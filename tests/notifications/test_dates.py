from datetime import UTC, datetime

import pytest

from notifications.dates import format_occurrence

PARIS = "Europe/Paris"
TUESDAY_AFTERNOON = datetime(2024, 12, 3, 13, 30, tzinfo=UTC)  # 14:30 in Paris


def test_french_is_written_the_way_staff_write_it() -> None:
    assert format_occurrence(TUESDAY_AFTERNOON, tz=PARIS, lang="fr") == "mardi 3 décembre à 14h30"


def test_french_full_hours_keep_their_minutes() -> None:
    nine = datetime(2026, 1, 7, 8, 0, tzinfo=UTC)
    assert format_occurrence(nine, tz=PARIS, lang="fr") == "mercredi 7 janvier à 9h00"


def test_french_first_of_the_month_is_1er() -> None:
    first = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
    assert format_occurrence(first, tz=PARIS, lang="fr") == "mardi 1er septembre à 9h00"


def test_english() -> None:
    text = format_occurrence(TUESDAY_AFTERNOON, tz=PARIS, lang="en")
    assert text == "Tuesday 3 December at 2:30 PM"


def test_english_first_of_the_month_stays_a_number() -> None:
    first = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
    assert format_occurrence(first, tz=PARIS, lang="en-GB") == "Tuesday 1 September at 9:00 AM"


def test_arabic() -> None:
    text = format_occurrence(TUESDAY_AFTERNOON, tz=PARIS, lang="ar")
    assert text == "الثلاثاء 3 ديسمبر الساعة 14:30"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ti", "ሰሉስ 3 ታሕሳስ ሰዓት 14:30"), ("ps", "3 دسمبر په 14:30"), ("fa", "3 دسامبر ساعت 14:30")],
)
def test_tigrinya_pashto_and_dari(lang: str, expected: str) -> None:
    assert format_occurrence(TUESDAY_AFTERNOON, tz=PARIS, lang=lang).endswith(expected)


@pytest.mark.parametrize("lang", ["zz", "xx", "", "FR_fr"])
def test_unknown_languages_fall_back_to_french(lang: str) -> None:
    assert format_occurrence(TUESDAY_AFTERNOON, tz=PARIS, lang=lang) == "mardi 3 décembre à 14h30"


def test_the_time_is_read_in_the_given_timezone() -> None:
    assert (
        format_occurrence(TUESDAY_AFTERNOON, tz="Indian/Reunion", lang="fr")
        == "mardi 3 décembre à 17h30"
    )
    late = datetime(2024, 12, 3, 23, 30, tzinfo=UTC)
    assert format_occurrence(late, tz=PARIS, lang="fr") == "mercredi 4 décembre à 0h30"


def test_summer_time_is_applied() -> None:
    june = datetime(2026, 6, 2, 12, 30, tzinfo=UTC)
    assert format_occurrence(june, tz=PARIS, lang="fr") == "mardi 2 juin à 14h30"


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_occurrence(datetime(2024, 12, 3, 14, 30), tz=PARIS, lang="fr")
    with pytest.raises(ValueError, match="fuseau horaire inconnu"):
        format_occurrence(TUESDAY_AFTERNOON, tz="Europe/Nimes", lang="fr")
