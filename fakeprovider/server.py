"""Run the fake provider on loopback: in a background thread, or as its own process."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn

from fakeprovider.app import create_fake_provider_app, quiet_deliberate_drops
from fakeprovider.state import FakeProviderState
from fakeprovider.twilio_api import media_path

STARTUP_TIMEOUT = 10.0


def bind_loopback(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """Open a listening socket; port 0 lets the system pick a free one."""
    # With the protocol named, asyncio sets TCP_NODELAY on accepted connections; without it
    # every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def uvicorn_config(state: FakeProviderState, *, loop: str = "auto") -> uvicorn.Config:
    """Return a quiet uvicorn configuration (httptools and uvloop when installed)."""
    quiet_deliberate_drops()
    return uvicorn.Config(
        create_fake_provider_app(state),
        loop=loop,
        http="auto",
        ws="none",
        lifespan="on",
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=1,
    )


class FakeProviderServer:
    """The fake provider served by uvicorn in a thread with its own event loop.

    Use `with FakeProviderServer() as provider:` in sync code, `async with` or
    `await start()` / `await stop()` in async code.
    """

    def __init__(
        self, state: FakeProviderState | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.state = state or FakeProviderState()
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the server's base URL, such as http://127.0.0.1:41234."""
        return f"http://{self._host}:{self._port}"

    @property
    def twilio_api_url(self) -> str:
        """Return the URL that replaces https://api.twilio.com."""
        return self.url

    @property
    def telegram_api_url(self) -> str:
        """Return the URL that replaces https://api.telegram.org (bots use it + "/bot")."""
        return self.url

    def twilio_media(self, content: bytes, content_type: str) -> str:
        """Keep a file of an inbound MMS; return its media URL, as MediaUrlN carries it."""
        media_id = self.state.add_media(content, content_type)
        return self.url + media_path(self.state.twilio_account_sid, media_id)

    def telegram_file(self, content: bytes, content_type: str) -> str:
        """Keep a file a person sent the bot; return its file_id."""
        return self.state.add_media(content, content_type)

    def start_blocking(self) -> None:
        """Start serving and return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the fake provider is already running")
        sock = bind_loopback(self._host, self._port)
        self._port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn_config(self.state, loop="asyncio"))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="fake-provider", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                self._server = self._thread = None
                raise RuntimeError("the fake provider did not start")
            time.sleep(0.005)

    def stop_blocking(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=STARTUP_TIMEOUT)
        self._server = self._thread = None

    async def start(self) -> None:
        """Start serving without blocking the caller's event loop."""
        await asyncio.to_thread(self.start_blocking)

    async def stop(self) -> None:
        """Stop serving without blocking the caller's event loop."""
        await asyncio.to_thread(self.stop_blocking)

    def __enter__(self) -> Self:
        self.start_blocking()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_blocking()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
