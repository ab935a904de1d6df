"""The fake provider as one ASGI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from fakeprovider.callbacks import StatusCallbackSender
from fakeprovider.control_api import control_routes
from fakeprovider.exchange import DROP_FLAG
from fakeprovider.state import FakeProviderState
from fakeprovider.telegram_api import telegram_routes
from fakeprovider.twilio_api import twilio_routes

CONNECTION_DROPPED = "connection dropped on purpose by the fake provider"


def create_fake_provider_app(state: FakeProviderState) -> ASGIApp:
    """Build the fake Twilio and Telegram APIs, with the /_fake/ control endpoints."""
    callbacks = StatusCallbackSender(state)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await callbacks.aclose()

    routes = [*twilio_routes(state, callbacks), *telegram_routes(state), *control_routes(state)]
    return ConnectionDropper(Starlette(routes=routes, lifespan=lifespan))


class ConnectionDropper:
    """Close the connection without any answer when a route asked for it.

    ASGI has no message for "hang up", but uvicorn closes the socket, writing nothing, when an
    application returns a value instead of None (its h11 and httptools protocols both do).
    Clients then see a server disconnect: httpx `RemoteProtocolError`, aiohttp
    `ServerDisconnectedError`. Only a real server can do this, not an in-memory transport.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        """Run the app, then hand uvicorn the value that makes it close the socket."""
        await self.app(scope, receive, send)
        if scope.get(DROP_FLAG):
            return CONNECTION_DROPPED
        return None


class QuietDrops(logging.Filter):
    """Keep uvicorn from logging each deliberate drop as an application error."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Reject the records about a deliberate drop."""
        return not (isinstance(record.args, tuple) and CONNECTION_DROPPED in record.args)


def quiet_deliberate_drops() -> None:
    """Install `QuietDrops` on uvicorn's error logger, once."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(existing, QuietDrops) for existing in logger.filters):
        logger.addFilter(QuietDrops())
