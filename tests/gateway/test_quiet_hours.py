from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway import quiet_hours
from gateway.quiet_hours import SendingWindow, is_open, next_opening

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


DEFAULT = SendingWindow()


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (paris(2026, 3, 10, 8, 0), True),  # Tuesday, opening minute
        (paris(2026, 3, 10, 7, 59), False),
        (paris(2026, 3, 10, 19, 59), True),
        (paris(2026, 3, 10, 20, 0), False),  # end is exclusive
        (paris(2026, 3, 14, 10, 0), True),  # Saturday
        (paris(2026, 3, 15, 10, 0), False),  # Sunday
        (paris(2026, 5, 1, 10, 0), False),  # Fête du travail, a Friday
        (paris(2026, 7, 14, 10, 0), False),  # Fête nationale, a Tuesday
        (paris(2025, 12, 25, 10, 0), False),  # Noël, a Thursday
        (paris(2025, 12, 26, 10, 0), True),  # not a holiday outside Alsace-Moselle
    ],
)
def test_default_window_follows_french_practice(at: datetime, expected: bool) -> None:
    assert is_open(DEFAULT, at) is expected


def test_is_open_reads_the_instant_in_the_window_timezone() -> None:
    # 06:30 UTC is 07:30 in Paris in winter (closed) and 08:30 in summer (open).
    assert not is_open(DEFAULT, utc(2026, 1, 13, 6, 30))
    assert is_open(DEFAULT, utc(2026, 6, 16, 6, 30))


def test_holidays_can_stay_open_when_the_organisation_chooses() -> None:
    window = SendingWindow(closed_on_public_holidays=False)
    assert is_open(window, paris(2026, 5, 1, 10, 0))


def test_next_opening_is_the_instant_itself_when_open() -> None:
    at = paris(2026, 3, 10, 9, 15)
    assert next_opening(DEFAULT, at) == at
    assert next_opening(DEFAULT, at).tzinfo is UTC


def test_next_opening_later_the_same_morning() -> None:
    assert next_opening(DEFAULT, paris(2026, 3, 10, 6, 0)) == utc(2026, 3, 10, 7, 0)


def test_next_opening_skips_sunday_across_spring_dst_change() -> None:
    # Saturday evening before the last Sunday of March: Monday 08:00 is already summer time.
    assert next_opening(DEFAULT, paris(2026, 3, 28, 20, 30)) == utc(2026, 3, 30, 6, 0)


def test_next_opening_skips_sunday_across_autumn_dst_change() -> None:
    assert next_opening(DEFAULT, paris(2025, 10, 25, 21, 0)) == utc(2025, 10, 27, 7, 0)


def test_next_opening_skips_public_holidays() -> None:
    assert next_opening(DEFAULT, paris(2026, 4, 30, 20, 0)) == utc(2026, 5, 2, 6, 0)  # 1 May
    assert next_opening(DEFAULT, paris(2026, 7, 13, 21, 0)) == utc(2026, 7, 15, 6, 0)  # 14 July
    assert next_opening(DEFAULT, paris(2025, 12, 24, 20, 0)) == utc(2025, 12, 26, 7, 0)


def test_next_opening_crosses_a_long_closed_stretch() -> None:
    thursdays = SendingWindow(weekdays=frozenset({3}))
    # Thursday 25 December 2025 and Thursday 1 January 2026 are both public holidays.
    assert next_opening(thursdays, paris(2025, 12, 19, 12, 0)) == utc(2026, 1, 8, 7, 0)


def test_next_opening_refuses_a_window_without_any_day() -> None:
    with pytest.raises(ValueError, match="aucun jour autorisé"):
        next_opening(SendingWindow(weekdays=frozenset()), paris(2026, 3, 10, 6, 0))


def test_next_opening_search_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    def every_day_a_holiday(year: int) -> frozenset[date]:
        return frozenset(date(year, 1, 1) + timedelta(days=n) for n in range(366))

    monkeypatch.setattr(quiet_hours, "_french_holidays", every_day_a_holiday)
    with pytest.raises(ValueError, match="ne s'ouvre pas dans les 400 prochains jours"):
        next_opening(DEFAULT, paris(2026, 3, 10, 6, 0))


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        is_open(DEFAULT, datetime(2026, 3, 10, 9, 0))


def test_setting_round_trip() -> None:
    window = SendingWindow(
        timezone="Indian/Reunion",
        weekdays=frozenset({0, 2, 4}),
        start=time(9, 30),
        end=time(21, 0),
        closed_on_public_holidays=False,
    )
    assert SendingWindow.from_mapping(window.to_mapping()) == window
    assert window.to_mapping()["start"] == "09:30"


def test_setting_defaults_for_missing_keys() -> None:
    window = SendingWindow.from_mapping({"end": "22:00"})
    assert window == SendingWindow(end=time(22, 0))
    assert window.weekdays == frozenset({0, 1, 2, 3, 4, 5})


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"start": "20:00", "end": "08:00"}, "heure de fin"),
        ({"start": "09:00", "end": "09:00"}, "heure de fin"),
        ({"timezone": "Europe/Nimes"}, "fuseau horaire inconnu"),
        ({"start": "8h"}, "HH:MM"),
        ({"weekdays": [0, 7]}, "jours d'envoi invalides"),
        ({"weekdays": "lundi"}, "weekdays"),
        ({"closed_on_public_holidays": "oui"}, "vrai ou faux"),
        ({"quiet": True}, "réglage d'envoi inconnu"),
    ],
)
def test_bad_settings_are_refused_in_french(setting: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SendingWindow.from_mapping(setting)
