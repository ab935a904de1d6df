"""The triage queue: one open ticket per person, ordered by urgency then age, and what staff do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal, cast, get_args

from sqlalchemy import Select, Table, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.triage import Priority as Urgency
from bot.triage import higher_priority
from db.errors import ConflictError
from db.models import Beneficiary, Message, TicketNote, TriageTicket
from db.session import insert_ignore
from gateway.exchange import Origin
from gateway.file_links import FileLinks
from gateway.outbound_files import OutboundFile
from gateway.outbox import OutgoingMessage, Priority, queue_message

TicketStatus = Literal["new", "in_progress", "waiting", "resolved"]
STATUSES: Final[tuple[TicketStatus, ...]] = get_args(TicketStatus)
OPEN_STATUSES: Final[tuple[TicketStatus, ...]] = ("new", "in_progress", "waiting")
# A person of the team is on it, or waits for the person: automated flows keep quiet.
PAUSING: Final[frozenset[str]] = frozenset({"in_progress", "waiting"})
# A message this soon after a ticket was resolved (a thank-you) belongs to it.
AFTER_RESOLUTION_WINDOW: Final = timedelta(hours=48)
# How many exchanges a ticket shows at most, the latest ones.
CONVERSATION_LIMIT = 200

_URGENCY_RANK = case({"urgent": 0, "high": 1}, value=TriageTicket.priority, else_=2)


class TicketConflict(ValueError, ConflictError):
    """The change would break a rule of the queue (two open tickets for one person…)."""


@dataclass(frozen=True)
class TicketFilter:
    """Which tickets a staff member wants to see; empty fields do not filter."""

    statuses: tuple[TicketStatus, ...] = OPEN_STATUSES
    site_id: int | None = None
    need: str | None = None
    language: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    beneficiary_id: int | None = None


async def open_ticket_of(session: AsyncSession, beneficiary_id: int) -> TriageTicket | None:
    """Return the person's ticket that is not resolved yet, if any."""
    return await session.scalar(
        select(TriageTicket).where(
            TriageTicket.beneficiary_id == beneficiary_id,
            TriageTicket.status.in_(OPEN_STATUSES),
        )
    )


async def recently_resolved(
    session: AsyncSession, beneficiary_id: int, *, now: datetime
) -> TriageTicket | None:
    """Return the person's ticket resolved within the window before now, the latest one."""
    return await session.scalar(
        select(TriageTicket)
        .where(
            TriageTicket.beneficiary_id == beneficiary_id,
            TriageTicket.status == "resolved",
            TriageTicket.resolved_at >= now - AFTER_RESOLUTION_WINDOW,
            TriageTicket.resolved_at <= now,
        )
        .order_by(TriageTicket.resolved_at.desc(), TriageTicket.id.desc())
        .limit(1)
    )


def note_after_resolution(
    ticket: TriageTicket, *, contact_point_id: int | None, now: datetime
) -> None:
    """Keep a message written after resolution on the resolved ticket, which stays resolved."""
    if contact_point_id is not None:
        ticket.contact_point_id = contact_point_id
    ticket.last_message_at = now
    ticket.updated_at = now


async def open_or_join(
    session: AsyncSession,
    *,
    person: Beneficiary,
    need: str | None,
    priority: Urgency,
    source: str,
    contact_point_id: int | None,
    first_message_id: int | None,
    now: datetime,
    reason: str | None = None,
) -> tuple[TriageTicket, bool]:
    """Return the person's open ticket brought up to date, or a new one; say if it is new."""
    ticket = await open_ticket_of(session, person.id)
    created = False
    if ticket is None:
        # The partial unique index keeps one open ticket per person even when two
        # messages of the same person arrive together: the second one joins.
        created = await insert_ignore(
            session,
            cast(Table, TriageTicket.__table__),
            {
                "beneficiary_id": person.id,
                "site_id": person.site_id,
                "contact_point_id": contact_point_id,
                "need": need,
                "priority": priority,
                "language": person.language,
                "status": "new",
                "source": source,
                "reason": reason,
                "directory_entries": [],
                "first_message_id": first_message_id,
                "last_message_at": now,
                "created_at": now,
                "updated_at": now,
            },
        )
        ticket = await open_ticket_of(session, person.id)
        if ticket is None:
            raise RuntimeError("the open ticket vanished while it was being joined")
        if created:
            return ticket, True
    ticket.need = need or ticket.need
    ticket.priority = higher_priority(cast(Urgency, ticket.priority), priority)
    ticket.reason = reason or ticket.reason
    ticket.language = person.language
    attach_message(ticket, contact_point_id=contact_point_id, now=now)
    return ticket, False


def attach_message(ticket: TriageTicket, *, contact_point_id: int | None, now: datetime) -> None:
    """Note that the person wrote again; it reopens a ticket that waited for them."""
    if ticket.status == "waiting":
        ticket.status = "in_progress"
    if contact_point_id is not None:
        ticket.contact_point_id = contact_point_id
    ticket.last_message_at = now
    ticket.updated_at = now


def add_directory_entries(ticket: TriageTicket, entry_ids: Sequence[str]) -> None:
    """Keep on the ticket which services the person was sent to."""
    known = list(ticket.directory_entries)
    ticket.directory_entries = known + [entry for entry in entry_ids if entry not in known]


# Staff ------------------------------------------------------------------------------------------


def queue_query(wanted: TicketFilter) -> Select[TriageTicket]:
    """Return the query for the queue: urgent first, then the oldest."""
    query = select(TriageTicket).where(TriageTicket.status.in_(wanted.statuses))
    equal: dict[str, Any] = {
        "site_id": wanted.site_id,
        "need": wanted.need,
        "language": wanted.language,
        "assignee_id": wanted.assignee_id,
        "beneficiary_id": wanted.beneficiary_id,
    }
    for name, value in equal.items():
        if value is not None:
            query = query.where(getattr(TriageTicket, name) == value)
    if wanted.unassigned:
        query = query.where(TriageTicket.assignee_id.is_(None))
    return query.order_by(_URGENCY_RANK, TriageTicket.created_at, TriageTicket.id)


async def list_tickets(
    session: AsyncSession, *, wanted: TicketFilter, limit: int = 100, offset: int = 0
) -> list[TriageTicket]:
    """Return one page of the queue."""
    result = await session.scalars(queue_query(wanted).limit(limit).offset(offset))
    return list(result)


def assign(ticket: TriageTicket, *, staff_member_id: int | None, now: datetime) -> None:
    """Give the ticket to a staff member (None: back to everyone); taking it starts the work."""
    ticket.assignee_id = staff_member_id
    if staff_member_id is not None and ticket.status == "new":
        ticket.status = "in_progress"
    ticket.updated_at = now


async def change_status(
    session: AsyncSession, *, ticket: TriageTicket, status: TicketStatus, now: datetime
) -> None:
    """Move the ticket; reopening a resolved one is refused while the person has another."""
    if status not in STATUSES:
        raise TicketConflict(f"statut inconnu : {status}")
    if ticket.status == "resolved" and status != "resolved":
        other = await open_ticket_of(session, ticket.beneficiary_id)
        if other is not None:
            raise TicketConflict(f"la personne a déjà un ticket ouvert (n° {other.id})")
    ticket.status = status
    ticket.resolved_at = now if status == "resolved" else None
    ticket.updated_at = now


async def add_note(
    session: AsyncSession, *, ticket: TriageTicket, staff_member_id: int, text: str, now: datetime
) -> TicketNote:
    """Write a private note of the team on the ticket."""
    note = TicketNote(
        ticket_id=ticket.id, staff_member_id=staff_member_id, text=text, created_at=now
    )
    session.add(note)
    ticket.updated_at = now
    await session.flush()
    return note


async def reply(
    session: AsyncSession,
    *,
    ticket: TriageTicket,
    staff_member_id: int,
    text: str,
    now: datetime,
    channel: str | None = None,
    attachment: OutboundFile | None = None,
    links: FileLinks | None = None,
) -> int | None:
    """Queue a staff answer to the person; raise gateway.outbox.NotReachable if impossible."""
    message_id = await queue_message(
        session,
        OutgoingMessage(
            beneficiary_id=ticket.beneficiary_id,
            text=text,
            channel=channel,
            # Where the person last wrote from, unless staff chose a channel.
            contact_point_id=None if channel else ticket.contact_point_id,
            origin=Origin("staff", str(staff_member_id)),
            priority=Priority.CONVERSATION,
            attachment=attachment,
        ),
        links=links,
        now=now,
    )
    if ticket.status == "new":
        ticket.status = "in_progress"
    if ticket.assignee_id is None:
        ticket.assignee_id = staff_member_id
    ticket.updated_at = now
    return message_id


async def notes_of(session: AsyncSession, ticket_id: int) -> list[TicketNote]:
    """Return the notes of a ticket, oldest first."""
    result = await session.scalars(
        select(TicketNote).where(TicketNote.ticket_id == ticket_id).order_by(TicketNote.id)
    )
    return list(result)


async def conversation_of(session: AsyncSession, ticket: TriageTicket) -> list[Message]:
    """Return the exchanges with the person since the conversation that led to the ticket."""
    query = select(Message).where(Message.beneficiary_id == ticket.beneficiary_id)
    if ticket.first_message_id is not None:
        query = query.where(Message.id >= ticket.first_message_id)
    result = await session.scalars(query.order_by(Message.id.desc()).limit(CONVERSATION_LIMIT))
    return list(reversed(list(result)))
