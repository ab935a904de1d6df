"""The console's session: a small signed cookie, read and written around each request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db.clock import utcnow

COOKIE_NAME = "lien_session"
MAX_AGE_SECONDS = 12 * 3600  # one working day, then sign in again
# The machine-facing parts of the app never read or write the console's cookie.
UNTOUCHED_PREFIXES = ("/api/", "/webhooks/", "/static/", "/healthz", "/metrics", "/docs")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CookieSigner:
    """Sign and check session values with a key derived from LIEN_SECRET_KEY."""

    def __init__(self, secret_key: str, *, max_age: int = MAX_AGE_SECONDS) -> None:
        # A key of its own, so that a value signed here means nothing elsewhere.
        self._key = hmac.new(secret_key.encode(), b"lien.console.session", "sha256").digest()
        self.max_age = max_age

    def _signature(self, payload: str, stamp: str) -> str:
        mac = hmac.new(self._key, f"{payload}.{stamp}".encode(), hashlib.sha256)
        return _b64encode(mac.digest())

    def sign(self, data: dict[str, Any], *, now: float | None = None) -> str:
        """Return the cookie value carrying `data`, stamped with the signing time."""
        payload = _b64encode(json.dumps(data, separators=(",", ":")).encode())
        stamp = str(int(utcnow().timestamp() if now is None else now))
        return f"{payload}.{stamp}.{self._signature(payload, stamp)}"

    def unsign(self, value: str, *, now: float | None = None) -> dict[str, Any] | None:
        """Return the data of a genuine, unexpired cookie value; None otherwise."""
        payload, _, rest = value.partition(".")
        stamp, _, signature = rest.partition(".")
        if not (payload and stamp.isdigit() and signature):
            return None
        if not hmac.compare_digest(signature, self._signature(payload, stamp)):
            return None
        age = (utcnow().timestamp() if now is None else now) - int(stamp)
        if not 0 <= age <= self.max_age:
            return None
        try:
            data = json.loads(_b64decode(payload))
        except (binascii.Error, ValueError):
            return None
        return data if isinstance(data, dict) else None


class ConsoleSessionMiddleware:
    """Expose the cookie's data as `request.session`; send it back only when it changed."""

    def __init__(self, app: ASGIApp, *, secret_key: str, https_only: bool) -> None:
        self.app = app
        self.signer = CookieSigner(secret_key)
        flags = "path=/; httponly; samesite=lax"
        self.flags = flags + "; secure" if https_only else flags

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNTOUCHED_PREFIXES):
            await self.app(scope, receive, send)
            return
        raw = HTTPConnection(scope).cookies.get(COOKIE_NAME)
        data = (self.signer.unsign(raw) if raw else None) or {}
        scope["session"] = data
        before = json.dumps(data, sort_keys=True)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = scope["session"]
                if json.dumps(session, sort_keys=True) != before:
                    MutableHeaders(scope=message).append("set-cookie", self._cookie(session))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, session: dict[str, Any]) -> str:
        if not session:
            return f"{COOKIE_NAME}=; max-age=0; {self.flags}"
        value = self.signer.sign(session)
        return f"{COOKIE_NAME}={value}; max-age={self.signer.max_age}; {self.flags}"
