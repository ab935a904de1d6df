"""What a broadcast will cost before it is sent, channel by channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

# SMS is billed per segment; every other channel per message, and only if it has a price.
PER_SEGMENT_CHANNELS = frozenset({"sms"})
PAID_CHANNELS = frozenset({"sms"})


@dataclass(frozen=True)
class ChannelCost:
    """The cost of one channel: units billed times the unit price."""

    channel: str
    recipients: int
    # Messages billed: recipients times segments for SMS, recipients elsewhere.
    units: int
    # None when the channel has no price: free, or unknown for a paid channel.
    unit_price: Decimal | None
    cost: Decimal


@dataclass(frozen=True)
class CostEstimate:
    """The estimated cost of a broadcast, exact to the last decimal of the prices."""

    total: Decimal
    channels: tuple[ChannelCost, ...]
    # Paid channels with recipients but no price: the total leaves them out.
    unpriced_channels: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Tell whether every paid channel had a price."""
        return not self.unpriced_channels


def estimate_cost(
    *,
    segments: int,
    recipients_by_channel: Mapping[str, int],
    prices: Mapping[str, Decimal],
) -> CostEstimate:
    """Return the cost of sending one message of so many segments to the given recipients."""
    if segments < 0:
        raise ValueError(f"segments must not be negative, got {segments}")
    lines = tuple(
        _channel_cost(
            channel=channel,
            recipients=recipients,
            segments=segments,
            unit_price=prices.get(channel),
        )
        for channel, recipients in sorted(recipients_by_channel.items())
    )
    unpriced = tuple(
        line.channel
        for line in lines
        if line.channel in PAID_CHANNELS and line.unit_price is None and line.units > 0
    )
    return CostEstimate(
        total=sum((line.cost for line in lines), Decimal(0)),
        channels=lines,
        unpriced_channels=unpriced,
    )


def _channel_cost(
    *, channel: str, recipients: int, segments: int, unit_price: Decimal | None
) -> ChannelCost:
    if recipients < 0:
        raise ValueError(f"recipients for {channel!r} must not be negative, got {recipients}")
    units = recipients * segments if channel in PER_SEGMENT_CHANNELS else recipients
    cost = unit_price * units if unit_price is not None else Decimal(0)
    return ChannelCost(
        channel=channel, recipients=recipients, units=units, unit_price=unit_price, cost=cost
    )
