"""Inbound SMS webhooks: Lien's signed, stored-first path against a bare INSERT endpoint.

Both servers run in their own process on the same database engine; the load comes from this one.
Figures: throughput at a fixed concurrency, then p50/p99 latency at a paced 200 requests/s.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp

from bench.common import (
    SignedRequest,
    free_port,
    fresh_database,
    lien_env,
    percentile,
    scratch_sqlite,
    signed_sms,
    spawn_bare_endpoint,
    spawn_lien,
    stop,
)


@dataclass(frozen=True)
class Figures:
    throughput: float
    p50_ms: float
    p99_ms: float


def requests_for(base: str, path: str, count: int, offset: int) -> list[SignedRequest]:
    return [
        signed_sms(
            base + path,
            f"SM{i:032d}",
            f"+336{20000000 + i % 100:08d}",
            "Bonjour, j'ai besoin d'un rendez-vous",
        )
        for i in range(offset, offset + count)
    ]


async def _post(session: aiohttp.ClientSession, item: SignedRequest) -> float:
    url, params, headers = item
    started = time.perf_counter()
    async with session.post(url, data=params, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return time.perf_counter() - started


async def throughput(items: list[SignedRequest], concurrency: int) -> float:
    queue = list(reversed(items))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            while queue:
                await _post(session, queue.pop())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(items) / (time.perf_counter() - started)


async def paced(items: list[SignedRequest], rate: float) -> list[float]:
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        tasks = []
        for n, item in enumerate(items):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_post(session, item)))
        return list(await asyncio.gather(*tasks))


async def measure(base: str, path: str, *, count: int, paced_count: int, first: int = 0) -> Figures:
    """Throughput with 16 at once, then latencies at 200 req/s; message ids from `first` on."""
    warm = requests_for(base, path, 50, first)
    await throughput(warm, 8)
    rate = await throughput(requests_for(base, path, count, first + 100), 16)
    latencies = await paced(requests_for(base, path, paced_count, first + 100 + count), 200.0)
    return Figures(rate, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000)


async def run(*, quick: bool, database_url: str | None) -> None:
    url = database_url or scratch_sqlite("inbound")
    engine = await fresh_database(url)
    await engine.dispose()
    count, paced_count = (400, 200) if quick else (3000, 1000)
    lien_port, bare_port = free_port(), free_port()
    lien_base = f"http://127.0.0.1:{lien_port}"
    lien = spawn_lien(lien_port, lien_env(url, lien_base))
    bare = spawn_bare_endpoint(url, bare_port)
    try:
        base_fig = await measure(
            f"http://127.0.0.1:{bare_port}", "/ingest", count=count, paced_count=paced_count
        )
        lien_fig = await measure(
            lien_base, "/webhooks/twilio", count=count, paced_count=paced_count
        )
    finally:
        stop(lien)
        stop(bare)
    # The same webhooks to a `lien serve` that only stores, as beside `lien worker` processes:
    # the webhook's own cost, without the handling that shares the process's one core.
    store_port = free_port()
    store_base = f"http://127.0.0.1:{store_port}"
    storing = spawn_lien(store_port, {**lien_env(url, store_base), "LIEN_INBOUND_CONSUMERS": "0"})
    try:
        store_fig = await measure(
            store_base, "/webhooks/twilio", count=count, paced_count=paced_count, first=10**6
        )
    finally:
        stop(storing)
    print(f"database: {url.split('://')[0]}")
    print(
        f"bare INSERT endpoint : {base_fig.throughput:8.0f} req/s   "
        f"p50 {base_fig.p50_ms:6.1f} ms   p99 {base_fig.p99_ms:6.1f} ms (at 200 req/s)"
    )
    print(
        f"Lien /webhooks/twilio: {lien_fig.throughput:8.0f} req/s   "
        f"p50 {lien_fig.p50_ms:6.1f} ms   p99 {lien_fig.p99_ms:6.1f} ms (at 200 req/s)"
    )
    print(
        f"ratio Lien/baseline throughput: {lien_fig.throughput / base_fig.throughput:.2f} "
        f"(goal >= 0.7); p99 goal < 50 ms: {'met' if lien_fig.p99_ms < 50 else 'NOT met'}"
    )
    print(
        f"Lien storing only    : {store_fig.throughput:8.0f} req/s   "
        f"p50 {store_fig.p50_ms:6.1f} ms   p99 {store_fig.p99_ms:6.1f} ms (at 200 req/s), "
        f"ratio {store_fig.throughput / base_fig.throughput:.2f} "
        "(LIEN_INBOUND_CONSUMERS=0, the handling left to `lien worker` processes)"
    )
