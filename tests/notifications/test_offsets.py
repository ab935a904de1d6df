from datetime import UTC, datetime

import pytest

from notifications.offsets import OffsetError, parse_offset, parse_offsets

PARIS = "Europe/Paris"


def test_offsets_are_read_in_their_usual_spellings() -> None:
    assert [parse_offset(raw).key for raw in ("J-2@10:00", "j-1@18h30", " H-2 ", "m-30")] == [
        "J-2@10:00",
        "J-1@18:30",
        "H-2",
        "M-30",
    ]


def test_days_before_keep_the_local_hour_across_the_dst_change() -> None:
    # Tuesday 30 March 2027, 14:30 in Paris (summer time since Sunday 28 March).
    start = datetime(2027, 3, 30, 12, 30, tzinfo=UTC)
    assert parse_offset("J-2@10:00").due_at(start, tz=PARIS) == datetime(
        2027, 3, 28, 8, 0, tzinfo=UTC
    )
    assert parse_offset("J-3@10:00").due_at(start, tz=PARIS) == datetime(
        2027, 3, 27, 9, 0, tzinfo=UTC
    )
    assert parse_offset("H-2").due_at(start, tz=PARIS) == datetime(2027, 3, 30, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["J-2", "J-15@10:00", "J-1@25:00", "H-0", "H-100", "M-2", "x"])
def test_unreadable_offsets_are_refused(raw: str) -> None:
    with pytest.raises(OffsetError):
        parse_offset(raw)


def test_a_list_drops_repeats_and_refuses_too_many() -> None:
    assert [o.key for o in parse_offsets(["H-2", "h-2", "J-1@9:00"])] == ["H-2", "J-1@09:00"]
    with pytest.raises(OffsetError, match="au plus"):
        parse_offsets(["H-1", "H-2", "H-3", "H-4", "H-5"])
