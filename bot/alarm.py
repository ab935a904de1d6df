"""What the accueil does when it hears urgency: answer at once, raise the ticket, keep the words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.tickets import open_or_join
from bot.urgency import Lexicon, Signal
from db.models import Beneficiary, TriageTicket

URGENCY = "urgency"
# The same emergency numbers are not sent again for a while to someone who keeps writing.
ANSWER_AGAIN_AFTER: Final = timedelta(hours=2)
# At most this many words kept per category: enough for staff to see why, not a transcript.
WORDS_KEPT: Final = 12


def answer_language(person: Beneficiary, signals: Sequence[Signal], *, known: bool) -> str:
    """Return the language to answer in: the person's, else the one their words were in."""
    if known or not signals:
        return person.language
    return signals[0].language


def fresh_signals(
    ticket: TriageTicket | None, signals: list[Signal], *, now: datetime
) -> list[Signal]:
    """Return the signals whose emergency numbers the person was not sent a moment ago."""
    if ticket is None:
        return signals
    recent = set()
    for entry in ticket.urgency_signals:
        at = entry.get("at") if isinstance(entry, dict) else None
        if at and now - datetime.fromisoformat(at) < ANSWER_AGAIN_AFTER:
            recent.add(entry.get("category"))
    return [signal for signal in signals if signal.category not in recent]


async def raise_ticket(
    session: AsyncSession,
    *,
    lexicon: Lexicon,
    person: Beneficiary,
    signals: list[Signal],
    contact_point_id: int | None,
    first_message_id: int | None,
    now: datetime,
) -> TriageTicket:
    """Open or join the person's ticket at the signals' priority, keeping the words heard."""
    ticket, _created = await open_or_join(
        session,
        person=person,
        need=None,
        priority=lexicon.priority_of(signals),
        source=URGENCY,
        contact_point_id=contact_point_id,
        first_message_id=first_message_id,
        now=now,
    )
    ticket.need = ticket.need or lexicon.need_of(signals)
    ticket.urgency_signals = merged(ticket.urgency_signals, signals, lexicon=lexicon, now=now)
    return ticket


def merged(
    kept: list[Any], signals: Sequence[Signal], *, lexicon: Lexicon, now: datetime
) -> list[Any]:
    """Return the ticket's signals with the new ones: one entry per category, words added."""
    entries = {entry["category"]: dict(entry) for entry in kept if isinstance(entry, dict)}
    for signal in signals:
        entry = entries.setdefault(signal.category, {"category": signal.category, "words": []})
        # The French label is kept with the words: staff read it even if the lexicon changes.
        entry["label"] = lexicon.label(signal.category)
        entry["at"] = now.isoformat()
        words = list(dict.fromkeys([*entry["words"], " ".join(signal.words)]))
        entry["words"] = words[:WORDS_KEPT]
    # A new list, so that the JSON column is seen as changed.
    return list(entries.values())


def heard(ticket: TriageTicket) -> list[tuple[str, str, list[str]]]:
    """Return what the ticket's signals were, for staff: (category, French label, words)."""
    return [
        (
            entry["category"],
            str(entry.get("label", entry["category"])),
            [str(word) for word in entry.get("words", [])],
        )
        for entry in ticket.urgency_signals
        if isinstance(entry, dict) and "category" in entry
    ]
