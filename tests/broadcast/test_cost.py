from decimal import Decimal

import pytest

from broadcast.cost import ChannelCost, estimate_cost


def test_sms_is_billed_per_segment_and_per_recipient() -> None:
    estimate = estimate_cost(
        segments=3,
        recipients_by_channel={"sms": 1200, "telegram": 40, "simulator": 2},
        prices={"sms": Decimal("0.0786")},
    )
    assert estimate.channels == (
        ChannelCost("simulator", 2, 2, None, Decimal(0)),
        ChannelCost("sms", 1200, 3600, Decimal("0.0786"), Decimal("282.9600")),
        ChannelCost("telegram", 40, 40, None, Decimal(0)),
    )
    assert estimate.total == Decimal("282.96")
    assert estimate.complete


def test_decimal_arithmetic_does_not_drift() -> None:
    estimate = estimate_cost(
        segments=1, recipients_by_channel={"sms": 3}, prices={"sms": Decimal("0.1")}
    )
    assert estimate.total == Decimal("0.3")
    assert str(estimate.total) == "0.3"


def test_a_priced_free_channel_is_billed_per_message() -> None:
    estimate = estimate_cost(
        segments=4,
        recipients_by_channel={"telegram": 10},
        prices={"telegram": Decimal("0.01")},
    )
    assert estimate.channels == (ChannelCost("telegram", 10, 10, Decimal("0.01"), Decimal("0.10")),)
    assert estimate.total == Decimal("0.10")


def test_sms_without_a_price_is_reported_not_guessed() -> None:
    estimate = estimate_cost(segments=2, recipients_by_channel={"sms": 5}, prices={})
    assert estimate.total == Decimal(0)
    assert estimate.unpriced_channels == ("sms",)
    assert not estimate.complete


def test_no_recipients_costs_nothing_and_needs_no_price() -> None:
    estimate = estimate_cost(segments=2, recipients_by_channel={"sms": 0}, prices={})
    assert estimate.total == Decimal(0)
    assert estimate.complete


@pytest.mark.parametrize(
    ("segments", "recipients"),
    [(-1, {"sms": 1}), (1, {"sms": -1})],
)
def test_negative_counts_are_refused(segments: int, recipients: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="negative"):
        estimate_cost(segments=segments, recipients_by_channel=recipients, prices={})
