"""Lists that refresh themselves: HTMX polls, and the server answers 204 when nothing changed.

A polled fragment carries the version of what it shows in its own URL (`?v=…`); when the
version is still the same, the answer is empty and the page is left alone (an opened detail
stays open, a half-read list does not jump).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response

POLL_SECONDS = 5


def version(parts: Iterable[object]) -> str:
    """Return a short fingerprint of what a fragment shows."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode())
    return digest.hexdigest()[:16]


def unchanged(request: Request, current: str) -> Response | None:
    """Return an empty 204 answer when the browser already shows `current`."""
    if request.query_params.get("v") == current:
        return Response(status_code=204)
    return None
