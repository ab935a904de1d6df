"""The accueil's share of a person's data: conversations, triage tickets and the team's notes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Conversation, TicketNote, TriageTicket
from gateway.catalogue import load_catalogue, render
from gateway.privacy.core import KeptAsLongAsThePerson, iso
from gateway.privacy.labels import section_texts
from gateway.privacy.sources import Exported

LABELS = Path(__file__).parent / "privacy_labels.yaml"
RESOLVED = "resolved"
# Why a ticket closed without the team: the person's data was erased.
ERASURE_REASON = "erasure"


def _word(kind: str, code: str | None) -> str | None:
    """The French word for a stored code, so the export shows no code."""
    if code is None:
        return None
    catalogue = load_catalogue(LABELS)
    return render(catalogue.get(f"{kind}.{code}") or catalogue["unknown"], "fr")


def _answers(state: Mapping[str, Any]) -> dict[str, Any]:
    """What the person answered in the conversation (first name, need, free text…)."""
    fields = state.get("fields") or {}
    return dict(fields) if isinstance(fields, Mapping) else {}


class AccueilSource(KeptAsLongAsThePerson):
    """Notes and conversation state are removed on erasure; tickets stay, closed, for counts."""

    name = "tickets"

    def __init__(self) -> None:
        self.title, self.labels = section_texts(self.name, path=LABELS)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        rows: list[dict[str, Any]] = []
        conversation = await session.scalar(
            select(Conversation).where(Conversation.beneficiary_id == beneficiary_id)
        )
        if conversation is not None:
            rows.append(
                {
                    "kind": _word("kind", "conversation"),
                    "date": iso(conversation.started_at),
                    "status": _word("status", conversation.status),
                    "answers": _answers(conversation.state or {}),
                }
            )
        tickets = await session.scalars(
            select(TriageTicket)
            .where(TriageTicket.beneficiary_id == beneficiary_id)
            .order_by(TriageTicket.id)
        )
        for ticket in tickets:
            rows.append(
                {
                    "kind": _word("kind", "ticket"),
                    "date": iso(ticket.created_at),
                    "need": _word("need", ticket.need),
                    "priority": _word("priority", ticket.priority),
                    "status": _word("status", ticket.status),
                    "resolved_at": iso(ticket.resolved_at),
                }
            )
            for note in await session.scalars(
                select(TicketNote).where(TicketNote.ticket_id == ticket.id).order_by(TicketNote.id)
            ):
                rows.append(
                    {"kind": _word("kind", "note"), "date": iso(note.created_at), "text": note.text}
                )
        return rows

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        now = utcnow()
        theirs = select(TriageTicket.id).where(TriageTicket.beneficiary_id == beneficiary_id)
        notes = await session.execute(delete(TicketNote).where(TicketNote.ticket_id.in_(theirs)))
        conversations = await session.execute(
            delete(Conversation).where(Conversation.beneficiary_id == beneficiary_id)
        )
        closed = await session.execute(
            update(TriageTicket)
            .where(TriageTicket.beneficiary_id == beneficiary_id, TriageTicket.status != RESOLVED)
            .values(status=RESOLVED, resolved_at=now, reason=ERASURE_REASON, updated_at=now)
        )
        await session.flush()
        return sum(int(getattr(r, "rowcount", 0) or 0) for r in (notes, conversations, closed))
