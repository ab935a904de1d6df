"""Message statuses and the order in which they may follow each other."""

from __future__ import annotations

QUEUED = "queued"
SENDING = "sending"
UNKNOWN = "unknown"
SENT = "sent"
DELIVERED = "delivered"
READ = "read"
UNDELIVERED = "undelivered"
FAILED = "failed"
SUPPRESSED = "suppressed"
EXPIRED = "expired"
CANCELLED = "cancelled"
RECEIVED = "received"

# A provider report may only move a message forward: late or repeated callbacks
# (a "sent" arriving after "delivered") must not rewrite what is already known.
_RANK = {
    QUEUED: 0,
    SENDING: 1,
    UNKNOWN: 1,
    SENT: 2,
    DELIVERED: 3,
    UNDELIVERED: 3,
    FAILED: 3,
    READ: 4,
}
FINAL = frozenset({DELIVERED, UNDELIVERED, FAILED, READ, SUPPRESSED, EXPIRED, CANCELLED})
PENDING = frozenset({QUEUED, SENDING, UNKNOWN})


def moves_forward(current: str, new: str) -> bool:
    """Tell whether a reported status adds knowledge to the stored one."""
    if current in (SUPPRESSED, EXPIRED, CANCELLED, RECEIVED):
        return False
    return _RANK.get(new, -1) > _RANK.get(current, -1)
