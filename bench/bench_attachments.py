"""Files people send: the webhook costs what a text costs, and the fetch streams.

1. Webhook: signed MMS carrying one 2 MB file each (five per file), interleaved with as many
   text SMS, posted to the app in this process (only storing: no consumer runs, as while
   Twilio waits). The baseline is the text SMS of the same run: p50 and p99 ratios.
2. Fetch: those files fetched from the fake provider (its own process) through the real
   Twilio channel, sealed with a message key into a scratch folder. The figure is this
   process's peak resident memory while fetching, against its resident memory idle just
   before, and the limit the issue sets: 1.5 × idle + 10 MB.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import threading
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import delete

from bench.common import (
    TWILIO_SID,
    TWILIO_TOKEN,
    SignedRequest,
    free_port,
    fresh_database,
    percentile,
    scratch_sqlite,
    signed_sms,
    spawn_fake_provider,
    stop,
)
from db.base import utcnow
from db.models import InboundArrival
from db.session import transaction
from fakeprovider import RemoteFakeProvider
from gateway.attachment_fetch import fetch_due
from gateway.media_store import open_store
from lien.app import create_app
from lien.attachment_jobs import media_sources
from lien.runtime import Runtime
from lien.settings import Settings

PUBLIC_URL = "https://lien.example.org"
FILE_SIZE = 2 * 1024 * 1024
# Webhooks posted per file fetched: enough requests for a p99 that is not the single slowest.
WEBHOOK_ROUNDS = 5
PAGE = 4096


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakMemory:
    """Sample this process's resident memory every millisecond, keeping the highest."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(0.001)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _mms(n: int, media: str | None) -> SignedRequest:
    """Return the n-th text SMS, or MMS with `media`, from one of a thousand senders."""
    url, sender = f"{PUBLIC_URL}/webhooks/twilio", f"+3361{n % 1000:07d}"
    if media is None:
        return signed_sms(url, f"SM{n:032d}", sender, "Bonjour")
    return signed_sms(url, f"MM{n:032d}", sender, "", jpeg=media)


async def _post(client: httpx.AsyncClient, request: SignedRequest) -> float:
    url, params, headers = request
    started = time.perf_counter()
    response = await client.post(url, data=params, headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"webhook answered {response.status_code}")
    return elapsed


async def _fetch_all(runtime: Runtime, folder: Path) -> int:
    settings = runtime.settings
    store = open_store(folder, settings.message_keys())
    stored = 0
    while True:
        done = await fetch_due(
            runtime.sessionmaker,
            sources=media_sources(runtime),
            store=store,
            now=utcnow(),
            max_bytes=settings.attachment_max_bytes,
        )
        stored += done.stored
        if done.claimed == 0:
            return stored


async def run(*, quick: bool = False, database_url: str | None = None) -> None:
    count = 10 if quick else 100
    url = database_url or scratch_sqlite("attachments")
    engine = await fresh_database(url)
    await engine.dispose()
    port = free_port()
    fake_url = f"http://127.0.0.1:{port}"
    fake = spawn_fake_provider(port, "--twilio-token", TWILIO_TOKEN)
    folder = Path(tempfile.mkdtemp(prefix="lien-bench-attachments-"))
    try:
        photo = b"\xff\xd8\xff\xe0" + bytes(n % 251 for n in range(FILE_SIZE - 4))
        with RemoteFakeProvider(fake_url) as remote:
            media = [remote.twilio_media(photo, "image/jpeg") for _ in range(count)]
        del photo
        settings = Settings(
            _env_file=None,
            database_url=url,
            public_url=PUBLIC_URL,
            twilio_account_sid=TWILIO_SID,
            twilio_auth_token=TWILIO_TOKEN,
            twilio_from="+33700000000",
            twilio_api_url=fake_url,
            inbound_consumers=0,
            attachment_dir=folder,
            message_key=Fernet.generate_key().decode(),
        )
        app = create_app(settings, dispatch=False, schedule=False, wiring=lambda runtime: None)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport) as client:
                texts, mms = [], []
                for i in range(count * WEBHOOK_ROUNDS):
                    texts.append(await _post(client, _mms(i, None)))
                    mms.append(await _post(client, _mms(i, media[i % count])))
            runtime: Runtime = app.state.runtime
            async with transaction(runtime.sessionmaker) as session:
                # Each file is fetched once: the later rounds only measured the webhook.
                await session.execute(
                    delete(InboundArrival).where(
                        InboundArrival.provider_id.like("MM%"),
                        InboundArrival.provider_id > f"MM{count - 1:032d}",
                    )
                )
            await runtime.consumer.drain()
            for name, values in (("SMS texte", texts), ("MMS 2 Mo", mms)):
                print(
                    f"webhook {name:10} p50 {percentile(values, 0.5) * 1000:6.1f} ms"
                    f"  p99 {percentile(values, 0.99) * 1000:6.1f} ms"
                )
            print(
                f"ratio MMS / texte : p50 ×{percentile(mms, 0.5) / percentile(texts, 0.5):.2f}"
                f"  p99 ×{percentile(mms, 0.99) / percentile(texts, 0.99):.2f}"
            )
            gc.collect()
            await asyncio.sleep(0.2)
            idle = _rss()
            started = time.perf_counter()
            with PeakMemory() as peak:
                stored = await _fetch_all(runtime, folder)
            elapsed = time.perf_counter() - started
        limit = 1.5 * idle + 10 * 1024 * 1024
        mib = 1024 * 1024
        print(
            f"récupération : {stored}/{count} fichiers de 2 Mo en {elapsed:.1f} s "
            f"({stored * FILE_SIZE / mib / elapsed:.0f} Mo/s)"
        )
        print(
            f"mémoire : au repos {idle / mib:.0f} Mo, pic {peak.peak / mib:.0f} Mo "
            f"(×{peak.peak / idle:.2f}), limite {limit / mib:.0f} Mo : "
            + ("tenue" if peak.peak < limit else "DÉPASSÉE")
        )
    finally:
        stop(fake)
