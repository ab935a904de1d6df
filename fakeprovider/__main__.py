"""Serve the fake provider as its own process: python -m fakeprovider --port 8765."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from fakeprovider.server import bind_loopback, uvicorn_config
from fakeprovider.state import (
    DEFAULT_TELEGRAM_TOKEN,
    DEFAULT_TWILIO_SID,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderState,
    StatusCallbackSettings,
)


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m fakeprovider",
        description="Fake Twilio and Telegram APIs on loopback, for tests and benchmarks.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    parser.add_argument("--twilio-sid", default=DEFAULT_TWILIO_SID)
    parser.add_argument("--twilio-token", default=DEFAULT_TWILIO_TOKEN)
    parser.add_argument("--telegram-token", action="append", help="accepted bot token (repeatable)")
    parser.add_argument(
        "--status-callbacks", action="store_true", help="post Twilio status callbacks"
    )
    parser.add_argument("--callback-delay", type=float, default=0.0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted; print the URL first so that a parent process can wait for it."""
    arguments = parse_arguments(argv)
    callbacks = StatusCallbackSettings(
        enabled=arguments.status_callbacks, delay=arguments.callback_delay
    )
    state = FakeProviderState(
        twilio_account_sid=arguments.twilio_sid,
        twilio_auth_token=arguments.twilio_token,
        telegram_tokens=arguments.telegram_token or [DEFAULT_TELEGRAM_TOKEN],
        latency=arguments.latency,
        status_callbacks=callbacks,
    )
    sock = bind_loopback(arguments.host, arguments.port)
    host, port = sock.getsockname()[:2]
    sys.stdout.write(f"fake provider listening on http://{host}:{port}\n")
    sys.stdout.flush()
    uvicorn.Server(uvicorn_config(state)).run(sockets=[sock])


if __name__ == "__main__":
    main()
