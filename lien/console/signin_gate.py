"""In front of sign-in: refuse cheaply, before the body is read, what would only wait anyway.

A flood of sign-in attempts must not take the event loop from the webhooks: an address over
its limit, or attempts beyond a few under way in this process, get a short 429 at once,
with no form parsed, no page rendered and no database touched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from db.base import utcnow
from lien.console.i18n import N_
from lien.console.throttle import SignInThrottle

# Attempts past this many under way wait only for argon2, one at a time: refuse them now.
SIGN_INS_IN_FLIGHT = 8
BUSY = N_("Trop de tentatives de connexion en ce moment. Réessayez dans un instant.")


class SignInGate:
    """Answer 429 to a sign-in post the throttle or the in-flight cap would hold back."""

    def __init__(self, app: ASGIApp, *, throttle: SignInThrottle, path: str = "/login") -> None:
        self.app = app
        self.throttle = throttle
        self.path = path
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.throttle.address_wait(address, now=utcnow().timestamp())
        if wait or self.in_flight >= SIGN_INS_IN_FLIGHT:
            await _too_many(send, retry_after=max(wait, 1))
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def _too_many(send: Send, *, retry_after: int) -> None:
    body = f'<!doctype html><html lang="fr"><meta charset="utf-8"><p>{BUSY}</p></html>'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
