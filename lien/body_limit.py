"""Request bodies bounded per route and in time, before any route or authentication reads them.

An anonymous client must not make the server read (or write to disk) a huge or endless body
just to be told 401: the limit is checked on Content-Length at once, then on the bytes as
they arrive, and a body that stalls is cut off.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
MIB = 1024 * KIB
# The longest prefix wins. Webhooks check their own, smaller limits too.
LIMITS: tuple[tuple[str, int], ...] = (
    ("/api/imports/", 20 * MIB),
    ("/webhooks/", 128 * KIB),
    ("/login", 16 * KIB),
    ("/api/", 1 * MIB),
    ("/", 1 * MIB),
)


# Replies that carry a file staff attached (the attachment setting bounds the file itself).
FILE_REPLIES: tuple[tuple[str, str], ...] = (
    ("/api/tickets/", "/replies/file"),
    ("/triage/", "/reply"),
)
FILE_REPLY_LIMIT = 20 * MIB


def limit_for(path: str) -> int:
    if any(path.startswith(start) and path.endswith(end) for start, end in FILE_REPLIES):
        return FILE_REPLY_LIMIT
    return max((p for p in LIMITS if path.startswith(p[0])), key=lambda p: len(p[0]))[1]


class BodyLimit:
    """Answer 413 to a body over its route's limit, 408 to one that stops arriving."""

    def __init__(self, app: ASGIApp, *, timeout_seconds: float) -> None:
        self.app = app
        self.timeout = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, 413, _too_large(limit))
            return
        received = 0
        started = answered = False

        async def refuse(status: int, detail: str) -> Message:
            # Answer now, then tell the app the client left: whatever it does with that
            # (FastAPI turns a failed form into a 400) is dropped, the client got this.
            nonlocal answered
            if not started and not answered:
                answered = True
                await _refuse(send, status, detail)
            return {"type": "http.disconnect"}

        async def bounded_receive() -> Message:
            nonlocal received
            if answered:
                return {"type": "http.disconnect"}
            try:
                message = await asyncio.wait_for(receive(), timeout=self.timeout)
            except TimeoutError:
                return await refuse(408, "corps de requête trop lent : envoi interrompu")
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    return await refuse(413, _too_large(limit))
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, bounded_receive, watched_send)


def _too_large(limit: int) -> str:
    return f"corps de requête trop grand (au plus {limit // KIB} Kio pour cette adresse)"


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
