"""Per-channel token buckets: how many messages a channel may send right now."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping


class TokenBucket:
    """A steady rate with a small burst, so a long run keeps the configured pace."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("le débit doit être positif")
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate / 10)
        self._clock = clock
        # Start with one token, not a full bucket: a run then keeps the configured pace from
        # its first second instead of opening with a burst.
        self._tokens = min(1.0, self.capacity)
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def available(self) -> int:
        self._refill()
        return max(0, int(self._tokens))

    def take(self, count: int) -> None:
        self._refill()
        self._tokens -= count

    def give_back(self, count: int) -> None:
        self._tokens = min(self.capacity, self._tokens + count)

    def wait_time(self) -> float:
        """Seconds until at least one token is there."""
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate


class RateLimits:
    def __init__(self, rates: Mapping[str, float]) -> None:
        self._buckets = {channel: TokenBucket(rate) for channel, rate in rates.items()}

    def available(self, channel: str) -> int:
        bucket = self._buckets.get(channel)
        return 1_000_000 if bucket is None else bucket.available()

    def take(self, channel: str, count: int) -> None:
        if channel in self._buckets:
            self._buckets[channel].take(count)

    def give_back(self, channel: str, count: int) -> None:
        if channel in self._buckets:
            self._buckets[channel].give_back(count)

    def wait_time(self) -> float:
        return min((b.wait_time() for b in self._buckets.values()), default=0.0)
