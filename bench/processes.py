"""Lien's own processes for the benchmarks: `lien worker` and `lien serve`, killed at will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import ROOT
from db.base import utcnow
from db.models import ChannelState
from db.session import create_sessionmaker, transaction
from fakeprovider import DEFAULT_TELEGRAM_TOKEN, DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN
from gateway.outcomes import pause_channel

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test_scale"
SENDER = "+33700000000"
TELEGRAM_SECRET = "bench-webhook-secret"
READY = "Worker démarré"


def lien_env(
    database_url: str, provider_url: str, *, telegram: bool = False, **settings: object
) -> dict[str, str]:
    """Environment for a Lien process sending through the fake provider."""
    env = {
        "LIEN_DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": DEFAULT_TWILIO_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_TWILIO_TOKEN,
        "LIEN_TWILIO_FROM": SENDER,
        "LIEN_TWILIO_API_URL": provider_url,
        "LIEN_LOG_LEVEL": "WARNING",
    }
    if telegram:
        env |= {
            "LIEN_TELEGRAM_BOT_TOKEN": DEFAULT_TELEGRAM_TOKEN,
            "LIEN_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "LIEN_TELEGRAM_API_URL": provider_url,
        }
    for name, value in settings.items():
        env[f"LIEN_{name.upper()}"] = str(value)
    return env


def log_folder(name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"lien-bench-{name}-"))


def start_workers(env: Mapping[str, str], count: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    """Start `count` `lien worker` processes together; return once each says it is sending."""
    fleet = [_spawn(["worker"], env, logs / f"worker-{n}.log", stdout=True) for n in range(count)]
    for process in fleet:
        assert process.stdout is not None
        if READY not in process.stdout.readline().decode():
            terminate(fleet)
            raise RuntimeError(f"a worker did not start; see {logs}")
    return fleet


def _spawn(
    args: list[str], env: Mapping[str, str], log: Path, *, stdout: bool = False
) -> subprocess.Popen[bytes]:
    with log.open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "lien.cli", *args],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
            stderr=errors,
        )


def start_server(env: Mapping[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start `lien serve` and return once it answers."""
    process = _spawn(["serve", "--port", str(port)], env, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lien serve stopped at start; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"lien serve did not answer; see {log}")


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no clean-up, no goodbye, as a power cut or the OOM killer would."""
    process.send_signal(signal.SIGKILL)
    process.wait()


def terminate(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill(process)


async def hold_channel(engine: AsyncEngine, channel: str) -> None:
    """Pause a channel for every worker, so that they all start from the same instant."""
    async with transaction(create_sessionmaker(engine)) as session:
        await pause_channel(session, channel, until=utcnow() + timedelta(hours=1), reason="bench")


async def release_channel(engine: AsyncEngine, channel: str) -> None:
    async with transaction(create_sessionmaker(engine)) as session:
        await session.execute(delete(ChannelState).where(ChannelState.channel == channel))


def duplicates(created: list[dict[str, Any]], *, key: str = "to") -> int:
    """Count provider messages beyond the first for one recipient."""
    per_recipient = Counter(str(message[key]) for message in created)
    return sum(count - 1 for count in per_recipient.values() if count > 1)
