"""SQL statements per inbound message and per accueil step, capped: a new one is a choice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from gateway.channels.base import InboundMessage
from tests.lien.conftest import App

PHONE = "+33612345678"


@contextmanager
def counted(app: App) -> Iterator[list[str]]:
    """Collect the statements the app's engine runs meanwhile (BEGIN, a dialect's own, aside)."""
    statements: list[str] = []
    engine = app.runtime.engine.sync_engine

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not statement.startswith("BEGIN"):
            statements.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def step(app: App, text: str, sid: str) -> list[str]:
    """Store one SMS, then count what handling it costs: one batch, one arrival."""
    await app.runtime.store(InboundMessage("sms", PHONE, text, sid))
    with counted(app) as statements:
        batch = await app.runtime.consumer.run_once()
    assert batch.handled == 1
    return statements


async def test_statements_per_inbound_message_and_accueil_step(lien_app: App) -> None:
    greeting = await step(lien_app, "Bonjour", "SM1")
    language = await step(lien_app, "1", "SM2")  # français
    first_name = await step(lien_app, "Awa", "SM3")
    stop = await step(lien_app, "STOP", "SM4")
    # A batch costs 3 (claim, order check, removal) and a savepoint per arrival and handler;
    # the rest is the work: the sender, the record, the conversation, the replies.
    # SQLite inserts several rows with RETURNING one statement each, PostgreSQL in one: the
    # language step queues two messages (the confirmation and the next question). Each step
    # of a conversation also reads the association's own translations, once.
    expected = {"sqlite": (31, 23, 20, 14), "postgresql": (31, 22, 20, 14)}
    dialect = lien_app.runtime.engine.dialect.name
    # A ceiling, not an exact count: a step made cheaper passes, one made dearer fails here.
    counts = (len(greeting), len(language), len(first_name), len(stop))
    assert all(n <= cap for n, cap in zip(counts, expected[dialect], strict=True)), counts
    # The person and their contact are read once per message (not again to queue the reply).
    assert greeting.count("SELECT") <= 12 and language.count("SELECT") <= 7
