"""The local simulator: a channel with no provider, always on, for demos and training.

It carries files too, so attachments can be shown with no credentials: a file "sent" through the
simulator is kept in a folder of its own, under a random name, and handed over from there to the
same background fetch as an MMS or a Telegram photo (type checked by content, size-limited,
sealed in the store). The folder stands for the provider's copy.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncGenerator
from pathlib import Path

from gateway.channels.base import (
    MediaRef,
    MediaUnavailable,
    OutboundEnvelope,
    Outcome,
    SendResult,
    too_large,
)

NAME = "simulator"
# A reference the simulator gave out: its prefix, then the random name of the held file.
PREFIX = "simulator:"
PIECE = 64 * 1024


class SimulatorChannel:
    name = NAME

    def __init__(self, media_folder: Path | None = None) -> None:
        self.media_folder = media_folder

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, envelope: OutboundEnvelope) -> SendResult:
        return SendResult(Outcome.DELIVERED, provider_id=f"sim-{envelope.message_id}")

    async def hold(self, data: bytes, declared_type: str | None) -> MediaRef:
        """Keep a file a simulated person sends, as a provider keeps an MMS's media."""
        if self.media_folder is None:
            raise RuntimeError("simulator media folder not configured")
        name = secrets.token_hex(16)
        await asyncio.to_thread(_write, self.media_folder / name, data)
        return MediaRef(PREFIX + name, declared_type)

    async def release(self, reference: str) -> None:
        """Forget a held file that will never be fetched (its message was refused)."""
        name = reference.removeprefix(PREFIX)
        if self.media_folder is not None and reference.startswith(PREFIX) and name.isalnum():
            await asyncio.to_thread((self.media_folder / name).unlink, missing_ok=True)

    async def media(self, reference: str, *, max_bytes: int) -> AsyncGenerator[bytes, None]:
        """Hand over a held file in pieces, as a provider streams it."""
        name = reference.removeprefix(PREFIX)
        if self.media_folder is None or not reference.startswith(PREFIX) or not name.isalnum():
            raise MediaUnavailable("fichier du simulateur inconnu", lasting=True)
        path = self.media_folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise MediaUnavailable("fichier du simulateur introuvable", lasting=True) from None
        if size > max_bytes:
            raise MediaUnavailable(too_large(max_bytes), lasting=True)
        with path.open("rb") as handle:
            while piece := await asyncio.to_thread(handle.read, PIECE):
                yield piece


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
