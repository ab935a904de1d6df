"""Broadcasts: materialising 100,000 recipients, then dispatching 10,000 at the configured rate.

Materialisation runs in a child process, so that its peak memory is its own. It is compared
with a hand-written INSERT … SELECT of the same rows, measured in the same process and run,
alternating which goes first. The dispatch runs against the fake provider in its own process and
is compared with the rate it was configured with.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.broadcast_setup import Scratch, UserFile, populate, scratch_database
from broadcast.audience import AudienceFilter, AudienceSources, resolve_audience
from broadcast.repository import materialise
from broadcast.service import Draft, create_broadcast, submit_broadcast
from broadcast.tasks import run_due_broadcasts
from db.base import utcnow
from db.models import Broadcast, BroadcastRecipient, Message
from db.session import SessionMaker, create_sessionmaker, transaction

# Timed rounds per statement, after one untimed round that warms the caches up.
ROUNDS = 7
TEXT = {"fr": "Bonjour {prénom}, le centre est fermé demain : rendez-vous jeudi à 14h."}
RAW = """
INSERT INTO broadcast_recipients (broadcast_id, beneficiary_id, state)
SELECT CAST(:broadcast AS INTEGER), b.id, 'pending' FROM beneficiaries b
WHERE b.organisation_id = :organisation
  AND EXISTS (SELECT 1 FROM contact_points c WHERE c.beneficiary_id = b.id AND NOT c.opted_out
              AND c.channel IN ('telegram', 'sms', 'simulator'))
"""
RAW_TAGGED = """
INSERT INTO broadcast_recipients (broadcast_id, beneficiary_id, state)
SELECT CAST(:broadcast AS INTEGER), b.id, 'pending' FROM beneficiaries b
WHERE b.organisation_id = :organisation
  AND EXISTS (SELECT 1 FROM contact_points c WHERE c.beneficiary_id = b.id AND NOT c.opted_out
              AND c.channel IN ('telegram', 'sms', 'simulator'))
  AND EXISTS (SELECT 1 FROM beneficiary_tags t WHERE t.beneficiary_id = b.id AND t.tag = 'isolé')
"""
CASES = {
    "tout le fichier": (AudienceFilter(), RAW),
    "étiquette isolé": (AudienceFilter(tags=("isolé",)), RAW_TAGGED),
}
Work = Callable[[AsyncSession], Awaitable[int]]
DISPATCH_RATE = float(os.environ.get("LIEN_BENCH_RATE", "100"))


def run(*, quick: bool, database_url: str | None) -> None:
    people = 5_000 if quick else 100_000
    asyncio.run(_materialisation(people, database_url))
    asyncio.run(_dispatch(1_000 if quick else 10_000, database_url))


async def _materialisation(people: int, url: str | None) -> None:
    async with scratch_database(url, name="materialise") as place:
        started = time.perf_counter()
        user_file = await populate(place, people=people)
        print(f"{people} bénéficiaires écrits en {time.perf_counter() - started:.1f} s")
        child = [
            sys.executable,
            "-m",
            "bench.bench_broadcast",
            place.url,
            place.schema or "",
            str(user_file.organisation_id),
        ]
        done = await asyncio.to_thread(
            subprocess.run, child, capture_output=True, text=True, check=False
        )
    if done.returncode != 0:
        raise RuntimeError(f"the measuring process failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for name, case in figures["cases"].items():
        ours, raw = case["ours"], case["raw"]
        print(
            f"matérialisation ({name}) : {case['rows']} destinataires en {ours:.3f} s ; "
            f"INSERT … SELECT écrit à la main : {raw:.3f} s ; rapport {ours / raw:.2f}"
        )
    print(
        f"mise en file de tous les messages : {figures['fan_out']:.1f} s "
        f"({figures['messages']} messages, {figures['messages'] / figures['fan_out']:.0f}/s)"
    )
    print(
        f"pic de mémoire du processus : {figures['peak_rss_mb']:.0f} Mo "
        f"(après la matérialisation : {figures['rss_after_materialise_mb']:.0f} Mo)"
    )


async def _timed(
    sessionmaker: SessionMaker, work: Callable[[AsyncSession], Awaitable[int]]
) -> tuple[float, int]:
    started = time.perf_counter()
    async with transaction(sessionmaker) as session:
        rows = await work(session)
    return time.perf_counter() - started, rows


async def _forget(sessionmaker: SessionMaker, broadcast_id: int) -> None:
    async with transaction(sessionmaker) as session:
        await session.execute(
            delete(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)
        )


async def _child(place: Scratch, organisation_id: int) -> dict[str, Any]:
    """Measure both statements in turn, then the whole fan-out, in this process."""
    engine = place.engine()
    sessionmaker = create_sessionmaker(engine)
    async with transaction(sessionmaker) as session:
        ours = await create_broadcast(
            session,
            organisation_id=organisation_id,
            draft=Draft(title="bench", texts=TEXT, urgent=True),
            created_by=None,
        )
        raw = await create_broadcast(
            session,
            organisation_id=organisation_id,
            draft=Draft(title="baseline", texts=TEXT),
            created_by=None,
        )
        ours_id, raw_id = ours.id, raw.id
    cases: dict[str, Any] = {}
    for name, (criteria, statement) in CASES.items():

        async def by_lien(session: AsyncSession, criteria: AudienceFilter = criteria) -> int:
            audience = await resolve_audience(
                session,
                organisation_id=organisation_id,
                criteria=criteria,
                now=utcnow(),
                sources=AudienceSources(),
            )
            return await materialise(session, broadcast_id=ours_id, audience=audience)

        async def by_hand(session: AsyncSession, statement: str = statement) -> int:
            result = await session.execute(
                text(statement), {"broadcast": raw_id, "organisation": organisation_id}
            )
            return int(getattr(result, "rowcount", 0))

        times: dict[str, list[float]] = {"ours": [], "raw": []}
        counts: set[int] = set()
        for round_number in range(ROUNDS + 1):
            order: list[tuple[str, Work, int]] = [
                ("ours", by_lien, ours_id),
                ("raw", by_hand, raw_id),
            ]
            for label, work, broadcast_id in order if round_number % 2 == 0 else order[::-1]:
                seconds, rows = await _timed(sessionmaker, work)
                if round_number > 0:
                    times[label].append(seconds)
                counts.add(rows)
                await _forget(sessionmaker, broadcast_id)
        assert len(counts) == 1, f"the two statements disagree: {counts}"
        cases[name] = {
            "rows": counts.pop(),
            "ours": statistics.median(times["ours"]),
            "raw": statistics.median(times["raw"]),
        }
    after_materialise = _peak_rss_mb()
    async with transaction(sessionmaker) as session:
        await submit_broadcast(
            session, broadcast_id=ours_id, by=None, now=utcnow(), sources=AudienceSources()
        )
    started = time.perf_counter()
    while True:
        async with transaction(sessionmaker) as session:
            # No dispatcher runs here: the backlog limit would stop the fan-out.
            await run_due_broadcasts(session, utcnow(), max_chunks=10, max_backlog=10**9)
            if await session.scalar(select(Broadcast.fanned_out_at).where(Broadcast.id == ours_id)):
                break
    fan_out = time.perf_counter() - started
    async with sessionmaker() as session:
        messages = await session.scalar(select(func.count()).select_from(Message)) or 0
    await engine.dispose()
    return {
        "cases": cases,
        "fan_out": fan_out,
        "messages": messages,
        "rss_after_materialise_mb": after_materialise,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


async def _dispatch(count: int, url: str | None) -> None:
    from bench.broadcast_dispatch import dispatch_at_rate

    async with scratch_database(url, name="dispatch") as place:
        user_file: UserFile = await populate(
            place,
            people=count,
            telegram_every=count + 1,
            tagged_every=count + 1,
            stopped_every=count + 1,
        )
        result = await dispatch_at_rate(place, user_file, rate=DISPATCH_RATE, texts=TEXT)
    print(
        f"envoi de {result.sent} SMS au faux fournisseur : {result.seconds:.1f} s, "
        f"{result.achieved:.2f}/s pour {DISPATCH_RATE:g}/s configurés ; "
        f"rapport {result.achieved / DISPATCH_RATE:.4f} (écart {result.deviation:+.2%})"
    )


if __name__ == "__main__":
    url, schema, organisation = sys.argv[1], sys.argv[2] or None, int(sys.argv[3])
    print(json.dumps(asyncio.run(_child(Scratch(url, schema), organisation))))
