"""How often sign-in may fail, per client address and per account, before it has to wait."""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

# Wider windows take over after the narrow one: the wait grows with the failures (backoff)
# and always ends, so nobody is locked out for good.
PER_ADDRESS = parse_many("20/minute;100/hour")
PER_ACCOUNT_AND_ADDRESS = parse_many("5/15 minutes;15/day")
# All addresses together, against a spread-out guess; a browser that signed in to this
# account before is not held by it, so a stranger's flood cannot keep the owner out.
PER_ACCOUNT = parse_many("30/hour")
# argon2 is meant to be slow: more hashes at once than cores would starve the webhooks.
HASHES_AT_ONCE = 1


def account_key(email: str) -> str:
    """Key the account by its e-mail as typed, known or not, so the throttle reveals nothing."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


class _Counters(MemoryStorage):
    """limits' in-memory counters, whose expiry timer never keeps the process from exiting.

    The library starts a non-daemon timer thread; a process that ends (or a clock moved by
    faketime, where the timer's wait never returns) would then wait on it for good.
    """

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()
        self._MemoryStorage__schedule_expiry()

    def _MemoryStorage__schedule_expiry(self) -> None:
        if not self.timer.is_alive():
            timer = threading.Timer(0.01, self._MemoryStorage__expire_events)  # type: ignore[attr-defined]
            timer.daemon = True
            self.timer = timer
            timer.start()


class SignInThrottle:
    """Attempt counters of one process, and the gate that keeps hashing to a few at a time."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(_Counters())
        self.hashing = asyncio.Semaphore(HASHES_AT_ONCE)

    def _checks(
        self, address: str, account: str, known: bool
    ) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        checks: list[tuple[RateLimitItem, tuple[str, ...]]] = [
            (item, ("address", address)) for item in PER_ADDRESS
        ]
        checks += [(item, ("pair", account, address)) for item in PER_ACCOUNT_AND_ADDRESS]
        if not known:
            checks += [(item, ("account", account)) for item in PER_ACCOUNT]
        return checks

    def admit(self, *, address: str, account: str, known: bool, now: float) -> int:
        """Count this attempt and return how long it must wait first (0: it may go ahead).

        Counted before the password is checked, so that a burst of simultaneous attempts
        cannot all pass before the first failure is known.
        """
        wait = 0.0
        for item, keys in self._checks(address, account, known):
            if not self._limiter.hit(item, *keys):
                reset = self._limiter.get_window_stats(item, *keys).reset_time
                wait = max(wait, reset - now, 1.0)
        return math.ceil(wait)

    def succeeded(self, *, address: str, account: str) -> None:
        """Forget this browser's attempts on the account it just proved it holds."""
        for item in PER_ACCOUNT_AND_ADDRESS:
            self._limiter.clear(item, "pair", account, address)

    def forget_account(self, account: str) -> None:
        """Lift the all-addresses wait on an account, as an administrator may."""
        for item in PER_ACCOUNT:
            self._limiter.clear(item, "account", account)

    def address_wait(self, address: str, *, now: float) -> int:
        """Return how long this address must wait, without counting an attempt."""
        wait = 0.0
        for item in PER_ADDRESS:
            if not self._limiter.test(item, "address", address):
                reset = self._limiter.get_window_stats(item, "address", address).reset_time
                wait = max(wait, reset - now, 1.0)
        return math.ceil(wait)
