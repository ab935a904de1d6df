from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.models import ChannelRate
from db.session import SessionMaker, transaction
from gateway.ratelimit import Bucket, RateLimits

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    bucket = Bucket(1.0, T0).taken(1)
    assert bucket.refilled(now=later(0.04), rate=50, capacity=5).whole() == 2
    assert bucket.refilled(now=later(10), rate=50, capacity=5).whole() == 5


def test_taking_more_than_there_is_delays_the_next_token() -> None:
    bucket = Bucket(1.0, T0).taken(3)
    assert bucket.whole() == 0
    assert bucket.wait_for(1, rate=10) == pytest.approx(0.3)


def test_a_lagging_clock_adds_nothing_and_keeps_the_shared_clock() -> None:
    bucket = Bucket(0.0, T0).refilled(now=later(-5), rate=10, capacity=10)
    assert (bucket.tokens, bucket.at) == (0.0, T0)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positif"):
        RateLimits({"sms": 0})


async def grant(sessionmaker: SessionMaker, limits: RateLimits, wanted: int, at: float) -> int:
    async with transaction(sessionmaker) as session:
        return (await limits.grant(session, {"sms": wanted}, now=later(at))).counts["sms"]


async def test_workers_draw_from_one_bucket(sessionmaker: SessionMaker) -> None:
    first, second = RateLimits({"sms": 50}), RateLimits({"sms": 50})
    assert await grant(sessionmaker, first, 100, 0) == 12  # a new bucket is full: 12.5 tokens
    assert await grant(sessionmaker, second, 100, 0) == 0
    assert await grant(sessionmaker, second, 3, 0.06) == 3
    assert await grant(sessionmaker, first, 100, 0.06) == 0
    assert await grant(sessionmaker, first, 100, 5.0) == 12  # the burst: a quarter second's worth


async def test_tokens_taken_by_a_rolled_back_claim_come_back(sessionmaker: SessionMaker) -> None:
    limits = RateLimits({"sms": 200})
    assert await grant(sessionmaker, limits, 10, 0) == 10
    with pytest.raises(RuntimeError):
        async with transaction(sessionmaker) as session:
            assert (await limits.grant(session, {"sms": 40}, now=T0)).counts == {"sms": 40}
            raise RuntimeError("the claim failed")
    assert await grant(sessionmaker, limits, 100, 0) == 40


async def test_unlimited_channels_get_all_they_want_and_no_bucket(
    sessionmaker: SessionMaker,
) -> None:
    limits = RateLimits({"sms": 10})
    async with transaction(sessionmaker) as session:
        result = await limits.grant(session, {"simulator": 500}, now=T0)
        assert (result.counts, result.wait) == ({"simulator": 500}, None)
        assert (await session.scalars(select(ChannelRate))).all() == []


async def test_a_starved_channel_is_named_with_the_wait_for_a_quarter_burst(
    sessionmaker: SessionMaker,
) -> None:
    limits = RateLimits({"sms": 100, "telegram": 40})
    async with transaction(sessionmaker) as session:
        result = await limits.grant(session, {"sms": 150, "telegram": 11}, now=T0)
    assert result.counts == {"sms": 25, "telegram": 10}
    assert result.wait == pytest.approx(0.0625)  # a quarter of a burst: 6.25 SMS at 100/s
    async with transaction(sessionmaker) as session:
        starved = await limits.waiting(session, ["sms", "telegram", "simulator"], now=later(0.002))
    assert set(starved.counts) == {"sms", "telegram"}
    assert starved.wait == pytest.approx(0.0605)


async def test_a_grant_sees_what_another_worker_took_after_a_first_look(
    sessionmaker: SessionMaker, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite the first look already holds the write lock")
    limits = RateLimits({"sms": 200})
    assert await grant(sessionmaker, limits, 1, 0) == 1
    async with sessionmaker() as slow, slow.begin():
        assert (await limits.waiting(slow, ["sms"], now=later(0.2))).counts == {}  # 89 there
        assert await grant(sessionmaker, limits, 50, 0.2) == 50  # another worker, committed
        assert (await limits.grant(slow, {"sms": 50}, now=later(0.2))).counts == {"sms": 39}


async def test_a_late_claim_loses_no_tokens_yet_takes_one_burst_at_a_time(
    sessionmaker: SessionMaker,
) -> None:
    limits = RateLimits({"sms": 100})  # a burst of 25, up to a second's worth kept
    assert await grant(sessionmaker, limits, 25, 0) == 25
    # Claimed 0.6 s late (a busy moment): the 60 tokens earned meanwhile are all still there,
    # spent one burst per grant, so the pace holds against the clock.
    assert await grant(sessionmaker, limits, 100, 0.6) == 25
    assert await grant(sessionmaker, limits, 100, 0.6) == 25
    assert await grant(sessionmaker, limits, 100, 0.6) == 10
    # Idle for long, it keeps at most a second's worth.
    spent = [await grant(sessionmaker, limits, 100, 60) for _ in range(5)]
    assert spent == [25, 25, 25, 25, 0]
