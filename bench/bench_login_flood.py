"""Inbound SMS webhooks while 200 sign-in attempts arrive at once, against the same webhooks alone.

One `lien serve` process on the chosen database; the flood comes from a process of its own.
The webhooks must all be answered 200 and their p99 stay under a second (Twilio gives up at
15 s); the flood's answers are counted by status.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import time
from collections import Counter
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from bench.bench_inbound import requests_for
from bench.common import (
    SignedRequest,
    free_port,
    fresh_database,
    lien_env,
    percentile,
    scratch_sqlite,
    spawn_lien,
    stop,
)
from db.session import create_sessionmaker, transaction
from gateway.records import ensure_organisation
from lien.console.accounts import create_staff_member

WEBHOOKS = 20
FLOOD = 200
P99_GOAL_MS = 1000.0
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _webhooks(base: str, offset: int, spacing: float) -> tuple[list[float], int]:
    """Post the signed webhooks one after another at a steady pace; return latencies, 5xx."""
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one(item: SignedRequest) -> None:
            nonlocal errors
            url, params, headers = item
            started = time.perf_counter()
            async with session.post(url, data=params, headers=headers) as response:
                await response.read()
                errors += response.status >= 500
            latencies.append(time.perf_counter() - started)

        tasks = []
        for item in requests_for(base, "/webhooks/twilio", WEBHOOKS, offset):
            tasks.append(asyncio.create_task(one(item)))
            await asyncio.sleep(spacing)
        await asyncio.gather(*tasks)
    return latencies, errors


async def _flood(base: str, started: asyncio.Event) -> Counter[int]:
    """Send FLOOD sign-in attempts with unknown e-mails, all at once."""
    statuses: Counter[int] = Counter()
    connector = aiohttp.TCPConnector(limit=FLOOD)
    timeout = aiohttp.ClientTimeout(total=120)
    jar = aiohttp.CookieJar(unsafe=True)  # keep the session cookie of 127.0.0.1
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=jar
    ) as session:
        async with session.get(f"{base}/login") as page:
            found = _TOKEN.search(await page.text())
        assert found is not None, "no CSRF token on the sign-in page"
        token = found.group(1)

        async def attempt(n: int) -> None:
            data = {
                "email": f"intrus{n}@example.org",
                "password": "devine-moi-01",
                "csrf_token": token,
            }
            try:
                async with session.post(f"{base}/login", data=data, allow_redirects=False) as r:
                    await r.read()
                    statuses[r.status] += 1
            except (aiohttp.ClientError, TimeoutError):
                statuses[0] += 1

        tasks = [asyncio.create_task(attempt(n)) for n in range(FLOOD)]
        started.set()
        await asyncio.gather(*tasks)
    return statuses


def _flood_process(base: str, ready: Any, results: Any) -> None:
    """Run the flood from a process of its own, so its client work never delays the webhooks'."""

    async def main() -> Counter[int]:
        started = asyncio.Event()
        flood = asyncio.create_task(_flood(base, started))
        await started.wait()
        ready.set()
        return await flood

    results.put(dict(asyncio.run(main())))


async def _under_flood(base: str) -> tuple[list[float], int, Counter[int]]:
    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    process = context.Process(target=_flood_process, args=(base, ready, results))
    process.start()
    await asyncio.to_thread(ready.wait, 60)
    latencies, errors = await _webhooks(base, 1000, 0.05)
    statuses: Counter[int] = Counter(await asyncio.to_thread(results.get, True, 120))
    process.join(10)
    return latencies, errors, statuses


async def _seed(url: str) -> None:
    engine = await fresh_database(url)
    async with transaction(create_sessionmaker(engine)) as session:
        await create_staff_member(
            session,
            email="equipe@example.org",
            name="Équipe",
            role="staff",
            password="une phrase assez longue",
            organisation_id=(await _organisation(session)),
        )
    await engine.dispose()


async def run(*, quick: bool, database_url: str | None) -> None:
    url = database_url or scratch_sqlite("login-flood")
    await _seed(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    lien = spawn_lien(port, lien_env(url, base))
    try:
        await _webhooks(base, 0, 0.05)  # warm-up: first senders, flows loaded
        alone, alone_errors = await _webhooks(base, 100, 0.05)
        flooded, flooded_errors, logins = await _under_flood(base)
    finally:
        stop(lien)
    p99_alone = percentile(alone, 0.99) * 1000
    p99_flooded = percentile(flooded, 0.99) * 1000
    print(f"database: {url.split(':', 1)[0]}")
    for label, values, errors in (
        ("alone", alone, alone_errors),
        ("under flood", flooded, flooded_errors),
    ):
        p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
        print(f"webhooks {label:<12} p50 {p50:7.1f} ms, p99 {p99:7.1f} ms, 5xx {errors}")
    print(f"ratio p99 flood/alone: {p99_flooded / p99_alone:.2f}")
    print(
        "sign-in answers:       "
        + ", ".join(f"{s or 'error'}: {n}" for s, n in sorted(logins.items()))
    )
    ok = flooded_errors == 0 and p99_flooded < P99_GOAL_MS
    print(f"goal (0 × 5xx, p99 < {P99_GOAL_MS:.0f} ms): {'met' if ok else 'NOT met'}")


async def _organisation(session: AsyncSession) -> int:
    site = await ensure_organisation(
        session, slug="default", name="Association", site_slug="accueil", site_name="Accueil"
    )
    return site.organisation_id
