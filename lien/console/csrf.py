"""Cross-site request forgery: every form and HTMX call carries the session's token."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """A state-changing request without the token of the session it came with."""


def csrf_token(request: Request) -> str:
    """Return the session's token, creating it on first use (also for anonymous visitors)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def renew_csrf_token(request: Request) -> str:
    """Give the session a fresh token, as when someone signs in."""
    request.session.pop("csrf", None)
    return csrf_token(request)


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose token does not match the session's."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    given = request.headers.get(HEADER)
    if given is None:
        value = (await request.form()).get(FIELD)
        given = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and expected and given):
        raise CsrfRefused
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfRefused
