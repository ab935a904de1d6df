"""Reminders: writing them for 10,000 enrolments × 2 times, and how late the tick queues them.

Figures: the set-based planning (one INSERT … SELECT per session and reminder time) against
the obvious ORM loop, both in the same run on the same data; catch-up ticks after downtime
against queueing the same messages straight into the outbox; and, with a real clock and a
tick every TICK_SECONDS, the delay between a reminder's due time and its queueing.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import utcnow
from db.migrate import upgrade
from db.models import Beneficiary, ContactPoint, Enrollment, Event, Occurrence, Reminder
from db.session import SessionMaker, create_engine, create_sessionmaker, transaction
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, Priority, queue_messages
from gateway.records import ensure_organisation
from notifications import schedule
from notifications.offsets import parse_offsets
from notifications.service import EventSpec, create_event
from notifications.tasks import TICK_SECONDS, TickReport, tick

SCHEMA = "bench_reminders"
GOAL_PLAN = 2.0
GOAL_DELAY = 2.0


@asynccontextmanager
async def database(url: str | None) -> AsyncIterator[AsyncEngine]:
    """A fresh database: a temporary SQLite file, or a schema of its own on PostgreSQL."""
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
            await upgrade(engine)
            try:
                yield engine
            finally:
                await engine.dispose()
        return
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url : PostgreSQL seulement (SQLite : sans option)")
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine = create_engine(url, connect_args={"server_settings": {"search_path": SCHEMA}})
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await admin.dispose()


async def populate(sessionmaker: SessionMaker, *, enrolments: int, events: int) -> list[Event]:
    """Create one-off sessions in five days, and `enrolments` people spread over them."""
    now = utcnow()
    async with transaction(sessionmaker) as session:
        site = await ensure_organisation(
            session, slug="bench", name="Bench", site_slug="bench", site_name="Centre social"
        )
        made = []
        for number in range(events):
            start = (now + timedelta(days=5, minutes=number)).replace(second=0, microsecond=0)
            spec = EventSpec(
                site_slug=site.slug,
                kind="distribution",
                texts={"fr": {"title": f"Distribution {number}"}},
                dtstart_local=start.replace(tzinfo=None),
                duration=timedelta(hours=2),
                timezone="UTC",
            )
            made.append(await create_event(session, spec=spec, now=now))
        await session.execute(
            insert(Beneficiary),
            [
                {"organisation_id": site.organisation_id, "site_id": site.id, "language": "fr"}
                for _ in range(enrolments)
            ],
        )
        ids = list(
            (await session.execute(select(Beneficiary.id).order_by(Beneficiary.id))).scalars()
        )
        await session.execute(
            insert(ContactPoint),
            [
                {"beneficiary_id": pid, "channel": "sms", "address": f"+3361{pid:07d}"}
                for pid in ids
            ],
        )
        await session.execute(
            insert(Enrollment),
            [
                {
                    "event_id": made[i % events].id,
                    "beneficiary_id": pid,
                    "status": "enrolled",
                    "position": i,
                    "source": "import",
                }
                for i, pid in enumerate(ids)
            ],
        )
    return made


async def analyze(sessionmaker: SessionMaker) -> None:
    """Refresh PostgreSQL's statistics after bulk changes, as autovacuum would in a while."""
    async with sessionmaker() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("ANALYZE"))
            await session.commit()


async def plan_all(sessionmaker: SessionMaker, events: list[Event], now: datetime) -> int:
    async with transaction(sessionmaker) as session:
        total = 0
        for event in events:
            total += await schedule.plan_event_reminders(
                session, event=await session.get_one(Event, event.id), now=now
            )
        return total


async def plan_with_orm_loop(sessionmaker: SessionMaker, now: datetime) -> int:
    """The baseline: load every enrolment and add one ORM object per reminder."""
    async with transaction(sessionmaker) as session:
        rows = await session.execute(
            select(
                Enrollment.beneficiary_id, Occurrence.id, Occurrence.start, Event.reminder_offsets
            )
            .join(Event, Event.id == Enrollment.event_id)
            .join(Occurrence, Occurrence.event_id == Event.id)
            .where(Enrollment.status == "enrolled", Occurrence.start > now)
        )
        count = 0
        for person, occurrence_id, start, offsets in rows.all():
            for offset in parse_offsets(offsets):
                session.add(
                    Reminder(
                        occurrence_id=occurrence_id,
                        beneficiary_id=person,
                        offset_key=offset.key,
                        due_at=offset.due_at(start, tz="UTC"),
                    )
                )
                count += 1
        await session.flush()
        return count


async def timed(label: str, work: object) -> tuple[float, object]:
    began = time.perf_counter()
    result = await work  # type: ignore[misc]
    elapsed = time.perf_counter() - began
    print(f"  {label:<58} {elapsed:7.3f} s", flush=True)
    return elapsed, result


async def measure_planning(sessionmaker: SessionMaker, events: list[Event]) -> None:
    now = utcnow()
    planned_s, planned = await timed(
        "planning, set-based INSERT … SELECT", plan_all(sessionmaker, events, now)
    )
    _, again = await timed(
        "planning again (everything already there)", plan_all(sessionmaker, events, now)
    )
    async with transaction(sessionmaker) as session:
        await session.execute(delete(Reminder))
    loop_s, looped = await timed(
        "baseline: ORM loop, one object per reminder", plan_with_orm_loop(sessionmaker, now)
    )
    async with transaction(sessionmaker) as session:
        await session.execute(delete(Reminder))
    await plan_all(sessionmaker, events, now)
    await analyze(sessionmaker)
    print(f"  reminders written: {planned} (again: {again}, baseline: {looped})")
    print(f"  speed-up against the baseline: × {loop_s / planned_s:.1f}")
    verdict = "atteint" if planned_s < GOAL_PLAN else "MANQUÉ"
    print(f"  objectif < {GOAL_PLAN:.0f} s : {verdict} ({planned_s:.3f} s)")


async def measure_catch_up(sessionmaker: SessionMaker) -> None:
    """Everything due at once, as after an outage: one tick against a plain outbox insert."""
    async with transaction(sessionmaker) as session:
        # Down since before the J-2 of every session, back after their H-2 fell due.
        for key, late in (("J-2@10:00", timedelta(hours=2)), ("H-2", timedelta(hours=1))):
            await session.execute(
                update(Reminder).where(Reminder.offset_key == key).values(due_at=utcnow() - late)
            )
        people = list((await session.execute(select(Beneficiary.id))).scalars())
    tick_s, report = await timed(
        "catch-up ticks (all due: the latest of each sent)", _catch_up(sessionmaker)
    )
    async with transaction(sessionmaker) as session:
        specs = [
            OutgoingMessage(
                beneficiary_id=pid,
                text="Rappel : Distribution, dans deux jours. Lieu : Centre social.",
                origin=Origin("bench"),
                priority=Priority.REMINDER,
                respect_quiet_hours=True,
                dedup_key=f"bench:{pid}",
            )
            for pid in people
        ]
    base_s, _ = await timed(
        "baseline: queue_messages of as many texts", _queue(sessionmaker, specs)
    )
    print(f"  {report}")
    print(f"  reminder bookkeeping costs × {tick_s / base_s:.2f} the bare outbox insert")


async def _tick(sessionmaker: SessionMaker) -> TickReport:
    async with transaction(sessionmaker) as session:
        return await tick(session, utcnow())


async def _catch_up(sessionmaker: SessionMaker) -> str:
    """Tick until nothing is due, as the scheduler would; say what each tick did."""
    queued = skipped = ticks = 0
    longest = 0.0
    while True:
        began = time.perf_counter()
        report = await _tick(sessionmaker)
        longest = max(longest, time.perf_counter() - began)
        if not (report.reminders_queued or report.reminders_skipped):
            break
        ticks += 1
        queued += report.reminders_queued
        skipped += report.reminders_skipped
    return (
        f"{ticks} ticks, longest {longest:.3f} s: {queued} queued, "
        f"{skipped} not sent (an older reminder of the same session)"
    )


async def _queue(sessionmaker: SessionMaker, specs: list[OutgoingMessage]) -> object:
    async with transaction(sessionmaker) as session:
        return await queue_messages(session, specs)


async def measure_delay(sessionmaker: SessionMaker, *, count: int) -> None:
    """A real clock: `count` reminders due over three seconds, a tick every TICK_SECONDS."""
    async with transaction(sessionmaker) as session:
        await session.execute(delete(Reminder))
        await session.execute(text("DELETE FROM message_events"))
        await session.execute(text("DELETE FROM messages"))
    events = await _events(sessionmaker)
    await plan_all(sessionmaker, events, utcnow())
    start = utcnow()
    async with transaction(sessionmaker) as session:
        ids = list(
            (
                await session.execute(
                    select(Reminder.id).where(Reminder.offset_key == "H-2").limit(count)
                )
            ).scalars()
        )
        await session.execute(
            update(Reminder),
            [
                {"id": rid, "due_at": start + timedelta(seconds=3 * i / count)}
                for i, rid in enumerate(ids)
            ],
        )
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        began = time.monotonic()
        await _tick(sessionmaker)
        await asyncio.sleep(max(0.0, TICK_SECONDS - (time.monotonic() - began)))
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(Reminder.due_at, Reminder.queued_at).where(Reminder.id.in_(ids))
            )
        ).all()
    delays = sorted((q - d).total_seconds() for d, q in rows if q is not None)
    missing = len(rows) - len(delays)
    p95 = delays[int(0.95 * (len(delays) - 1))] if delays else float("nan")
    print(
        f"  delay due → queued over {len(delays)} reminders (tick every {TICK_SECONDS:.0f} s): "
        f"median {statistics.median(delays):.3f} s, p95 {p95:.3f} s, max {delays[-1]:.3f} s"
        + (f", NOT QUEUED: {missing}" if missing else "")
    )
    ratio = delays[-1] / TICK_SECONDS
    print(f"  baseline: the tick interval, {TICK_SECONDS:.3f} s → max / interval × {ratio:.2f}")
    verdict = "atteint" if delays and delays[-1] <= GOAL_DELAY and not missing else "MANQUÉ"
    print(f"  objectif ≤ {GOAL_DELAY:.0f} s : {verdict}")


async def _events(sessionmaker: SessionMaker) -> list[Event]:
    async with sessionmaker() as session:
        return list((await session.execute(select(Event))).scalars())


async def main(*, quick: bool, database_url: str | None) -> None:
    enrolments, events = (1_000, 10) if quick else (10_000, 50)
    async with database(database_url) as engine:
        sessionmaker = create_sessionmaker(engine)
        size = f"{enrolments} enrolments over {events} sessions, 2 reminder times"
        print(f"  {engine.dialect.name}: {size}")
        made = await populate(sessionmaker, enrolments=enrolments, events=events)
        await measure_planning(sessionmaker, made)
        await measure_catch_up(sessionmaker)
        await measure_delay(sessionmaker, count=200 if quick else 2_000)
        async with sessionmaker() as session:
            total = await session.scalar(select(func.count()).select_from(Reminder))
        print(f"  reminders in the table at the end: {total}")


def run(*, quick: bool, database_url: str | None) -> object:
    return main(quick=quick, database_url=database_url)
