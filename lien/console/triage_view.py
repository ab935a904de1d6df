"""What the triage pages show: the queue with names, and one ticket with its exchange."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tickets import (
    OPEN_STATUSES,
    STATUSES,
    TicketFilter,
    TicketStatus,
    conversation_of,
    list_tickets,
    notes_of,
)
from bot.triage import NEEDS
from db.models import (
    Attachment,
    Beneficiary,
    Message,
    Site,
    StaffMember,
    TicketNote,
    TriageTicket,
)
from gateway.attachment_files import attachments_of
from lien.console.live import version

QUEUE_LIMIT = 200
OPEN = "open"  # the status filter that shows every ticket still waiting for the team
ME = "me"
NOBODY = "none"


@dataclass(frozen=True)
class QueueFilters:
    """The filters as typed in the page's query string; unknown values are dropped."""

    site: str = ""
    need: str = ""
    language: str = ""
    assignee: str = ""
    status: str = OPEN

    def query(self) -> str:
        """Return the filters as a query string, for the self-refreshing list."""
        parts = {k: v for k, v in self.__dict__.items() if v}
        return "&".join(f"{k}={v}" for k, v in sorted(parts.items()))


@dataclass(frozen=True)
class QueueLine:
    ticket: TriageTicket
    first_name: str | None
    last_name: str | None
    assignee: str | None
    last_text: str | None


@dataclass(frozen=True)
class NoteLine:
    note: TicketNote
    author: str | None


def clean_filters(
    *, site: str, need: str, language: str, assignee: str, status: str, sites: list[Site]
) -> QueueFilters:
    """Keep only the filter values the page offers."""
    return QueueFilters(
        site=site if site in {s.slug for s in sites} else "",
        need=need if need in NEEDS else "",
        language=language if language.isalpha() and len(language) <= 3 else "",
        assignee=assignee if assignee in (ME, NOBODY) or assignee.isdigit() else "",
        status=status if status in STATUSES else OPEN,
    )


def ticket_filter(filters: QueueFilters, *, viewer_id: int, sites: list[Site]) -> TicketFilter:
    """Return the domain's filter for what the page asks."""
    statuses: tuple[TicketStatus, ...] = OPEN_STATUSES
    for known in STATUSES:
        if filters.status == known:
            statuses = (known,)
    site_id = next((s.id for s in sites if s.slug == filters.site), None)
    assignee_id = None
    if filters.assignee == ME:
        assignee_id = viewer_id
    elif filters.assignee.isdigit():
        assignee_id = int(filters.assignee)
    return TicketFilter(
        statuses=statuses,
        site_id=site_id,
        need=filters.need or None,
        language=filters.language or None,
        assignee_id=assignee_id,
        unassigned=filters.assignee == NOBODY,
    )


async def staff_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(ids))
    )
    return {member_id: name for member_id, name in rows.all()}


async def _last_texts(session: AsyncSession, people: set[int]) -> dict[int, str | None]:
    if not people:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(Message.beneficiary_id.in_(people), Message.direction == "in")
        .group_by(Message.beneficiary_id)
    )
    rows = await session.execute(
        select(Message.beneficiary_id, Message.body).where(Message.id.in_(latest))
    )
    return {person_id: body for person_id, body in rows.all()}


async def queue_lines(session: AsyncSession, *, wanted: TicketFilter) -> list[QueueLine]:
    """Return the queue, urgent first then oldest, with who each ticket is about."""
    tickets = await list_tickets(session, wanted=wanted, limit=QUEUE_LIMIT)
    people = {t.beneficiary_id for t in tickets}
    names: dict[int, tuple[str | None, str | None]] = {}
    if people:
        rows = await session.execute(
            select(Beneficiary.id, Beneficiary.first_name, Beneficiary.last_name).where(
                Beneficiary.id.in_(people)
            )
        )
        names = {pid: (first, last) for pid, first, last in rows.all()}
    assignees = await staff_names(session, {t.assignee_id for t in tickets if t.assignee_id})
    texts = await _last_texts(session, people)
    return [
        QueueLine(
            ticket=t,
            first_name=names.get(t.beneficiary_id, (None, None))[0],
            last_name=names.get(t.beneficiary_id, (None, None))[1],
            assignee=assignees.get(t.assignee_id) if t.assignee_id else None,
            last_text=texts.get(t.beneficiary_id),
        )
        for t in tickets
    ]


def queue_version(lines: list[QueueLine]) -> str:
    """Return what changes when the queue a person sees changes."""
    return version(
        f"{line.ticket.id}:{line.ticket.status}:{line.ticket.priority}:"
        f"{line.ticket.assignee_id}:{line.ticket.updated_at.isoformat()}"
        for line in lines
    )


@dataclass(frozen=True)
class Exchange:
    """A ticket's conversation, the files of its messages by message id, and the notes."""

    messages: list[Message]
    attachments: dict[int, list[Attachment]]
    notes: list[NoteLine]


async def ticket_exchange(session: AsyncSession, ticket: TriageTicket) -> Exchange:
    """Return the conversation since the ticket began, its files, and the team's notes."""
    messages = await conversation_of(session, ticket)
    notes = await notes_of(session, ticket.id)
    authors = await staff_names(session, {n.staff_member_id for n in notes if n.staff_member_id})
    lines = [
        NoteLine(n, authors.get(n.staff_member_id) if n.staff_member_id else None) for n in notes
    ]
    files = await attachments_of(session, [m.id for m in messages])
    return Exchange(messages, files, lines)


def exchange_version(ticket: TriageTicket, exchange: Exchange) -> str:
    """Return what changes when the conversation, its files, the notes or the ticket change."""
    files = (a for shown in exchange.attachments.values() for a in shown)
    return version(
        [ticket.status, ticket.assignee_id, ticket.priority]
        + [f"{m.id}:{m.status}" for m in exchange.messages]
        + [f"a{a.id}:{a.status}" for a in files]
        + [n.note.id for n in exchange.notes]
    )


async def open_tickets(session: AsyncSession) -> int:
    """Count the people whose ticket still waits for the team."""
    total = await session.scalar(
        select(func.count()).select_from(TriageTicket).where(TriageTicket.status.in_(OPEN_STATUSES))
    )
    return int(total or 0)
