"""A real uvicorn server running the app on loopback, and the Chromium that browses it."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from playwright.async_api import ViewportSize

from fakeprovider.server import bind_loopback
from lien.app import Wiring, create_app
from lien.runtime import Runtime
from lien.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
STARTUP_TIMEOUT = 20.0
DESKTOP = ViewportSize(width=1280, height=860)
PHONE = ViewportSize(width=390, height=844)


def ensure_chromium() -> Path:
    """Return Debian's Chromium, installing it with apt when missing (never a downloaded build)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise RuntimeError(f"{CHROMIUM} is missing; install it with: apt-get install -y chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    if not CHROMIUM.exists():
        raise RuntimeError(f"apt-get installed chromium but {CHROMIUM} is still missing")
    return CHROMIUM


class LiveServer:
    """The whole app (dispatcher included) served by uvicorn in a thread of its own."""

    def __init__(self, settings_for: Any, *, wiring: Wiring | None = None) -> None:
        self._sock = bind_loopback()
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings: Settings = settings_for(self.url)
        # The whole app by default; `without_domains` for stories of the inbox alone.
        self.app = create_app(self.settings, schedule=False, wiring=wiring)
        # Lists refresh every second here, so that tests wait less for what a person would see.
        self.app.state.console_poll_seconds = 1
        config = uvicorn.Config(
            self.app, loop="asyncio", lifespan="on", log_config=None, access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=STARTUP_TIMEOUT)
        self._sock.close()
