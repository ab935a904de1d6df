"""Per-channel rates that hold across every worker: token buckets kept in `channel_rates`.

Each claim takes its tokens inside the claim's own transaction, under a row lock
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite's BEGIN IMMEDIATE already lets one writer in at a
time). Tokens that a rolled-back claim took come back with the rollback. One worker or ten:
the same code, the same pace.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.models import ChannelRate
from db.session import insert_ignore

# A quarter of a second's worth of tokens at most: a small burst, yet more than a worker needs
# between two claims (it claims again once a quarter of it is there, and a slow provider
# answer holds no claim back), so no token is lost while the others wait.
BURST_SECONDS = 0.25
# What a late worker may still spend of what the bucket earned meanwhile: a claim held back by
# a busy moment loses no tokens, and the pace holds against the clock rather than the claims.
# Each grant still takes at most one burst.
CATCH_UP_SECONDS = 1.0
# Wait for a quarter of a burst rather than for each token: an idle worker then looks at the
# database a few times a second, not hundreds, and the bucket cannot overflow meanwhile.
CHUNK = 0.25
RATES_TABLE = Base.metadata.tables["channel_rates"]
# Plain columns, not ORM objects: the locked read must see what other workers have just
# committed, whatever the session kept from the first, unlocked look.
_COLUMNS = select(ChannelRate.channel, ChannelRate.tokens, ChannelRate.updated_at)


@dataclass(frozen=True)
class Bucket:
    """A channel's tokens at an instant: a steady rate with a small burst."""

    tokens: float
    at: datetime

    def refilled(self, *, now: datetime, rate: float, capacity: float) -> Bucket:
        """Add what the elapsed time earned, up to the burst."""
        # A worker whose clock lags adds nothing rather than moving the shared clock back.
        elapsed = max(0.0, (now - self.at).total_seconds())
        return Bucket(min(capacity, self.tokens + elapsed * rate), max(self.at, now))

    def taken(self, count: int) -> Bucket:
        return Bucket(self.tokens - count, self.at)

    def whole(self) -> int:
        """Whole tokens there are to spend."""
        return max(0, math.floor(self.tokens + 1e-9))

    def wait_for(self, tokens: float, *, rate: float) -> float:
        """Seconds until this bucket holds `tokens`."""
        return max(0.0, (tokens - self.tokens) / rate)


@dataclass(frozen=True)
class Grant:
    """How many sends each channel may make now, and how long the others should wait."""

    counts: dict[str, int] = field(default_factory=dict)
    wait: float | None = None


class RateLimits:
    """The configured pace of each rate-limited channel; other channels are not limited."""

    def __init__(self, rates: Mapping[str, float]) -> None:
        if any(rate <= 0 for rate in rates.values()):
            raise ValueError("le débit doit être positif")
        self.rates = dict(rates)

    def capacity(self, channel: str) -> float:
        """The most one grant takes, and what a new bucket holds."""
        return max(1.0, self.rates[channel] * BURST_SECONDS)

    def ceiling(self, channel: str) -> float:
        """The most a bucket keeps of what it earned while nobody spent it."""
        return max(1.0, self.rates[channel] * CATCH_UP_SECONDS)

    def _chunk(self, channel: str) -> float:
        return max(1.0, self.capacity(channel) * CHUNK)

    async def waiting(
        self, session: AsyncSession, channels: Iterable[str], *, now: datetime
    ) -> Grant:
        """Name the channels without a whole token now (a plain read, no lock taken)."""
        limited = [c for c in channels if c in self.rates]
        if not limited:
            return Grant()
        rows = await session.execute(_COLUMNS.where(ChannelRate.channel.in_(limited)))
        counts: dict[str, int] = {}
        waits: list[float] = []
        for channel, tokens, at in rows.all():
            bucket = self._refill(channel, Bucket(tokens, at), now)
            if bucket.whole() == 0:
                counts[channel] = 0
                waits.append(bucket.wait_for(self._chunk(channel), rate=self.rates[channel]))
        return Grant(counts, min(waits, default=None))

    async def grant(
        self, session: AsyncSession, wanted: Mapping[str, int], *, now: datetime
    ) -> Grant:
        """Take up to `wanted` tokens per channel; the row stays locked until the caller commits."""
        counts = {c: 0 if c in self.rates else n for c, n in wanted.items()}
        limited = sorted(c for c, n in wanted.items() if c in self.rates and n > 0)
        if not limited:
            return Grant(counts)
        buckets = await self._locked(session, limited, now)
        waits: list[float] = []
        changes: list[dict[str, object]] = []
        for channel in limited:
            bucket = self._refill(channel, buckets[channel], now)
            most = math.floor(self.capacity(channel) + 1e-9)
            counts[channel] = min(wanted[channel], bucket.whole(), most)
            bucket = bucket.taken(counts[channel])
            changes.append({"channel": channel, "tokens": bucket.tokens, "updated_at": bucket.at})
            if counts[channel] < wanted[channel]:
                waits.append(bucket.wait_for(self._chunk(channel), rate=self.rates[channel]))
        await session.execute(update(ChannelRate), changes)
        return Grant(counts, min(waits, default=None))

    def _refill(self, channel: str, bucket: Bucket, now: datetime) -> Bucket:
        return bucket.refilled(now=now, rate=self.rates[channel], capacity=self.ceiling(channel))

    async def _locked(
        self, session: AsyncSession, channels: list[str], now: datetime
    ) -> dict[str, Bucket]:
        stmt = (
            _COLUMNS.where(ChannelRate.channel.in_(channels))
            .order_by(ChannelRate.channel)
            .with_for_update()
        )
        found = {channel: Bucket(tokens, at) for channel, tokens, at in await session.execute(stmt)}
        missing = [c for c in channels if c not in found]
        if not missing:
            return found
        for channel in missing:
            # A new bucket is full, as one long unused would be: a first answer and the question
            # after it leave together.
            values = {"channel": channel, "tokens": self.capacity(channel)}
            await insert_ignore(session, RATES_TABLE, values | {"updated_at": now})
        return await self._locked(session, channels, now)
