from __future__ import annotations

import pytest

from gateway.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(50, clock=clock)
    assert bucket.available() == 1
    bucket.take(1)
    clock.now = 0.04
    assert bucket.available() == 2
    clock.now = 10.0
    assert bucket.available() == 5  # the burst is a tenth of a second's worth


def test_taking_more_than_there_is_delays_the_next_token() -> None:
    clock = Clock()
    bucket = TokenBucket(10, burst=1, clock=clock)
    bucket.take(3)
    assert bucket.available() == 0
    assert bucket.wait_time() == pytest.approx(0.3)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positif"):
        TokenBucket(0)
