"""The triage queue for staff: who needs the team first, and what the team does about it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alarm import heard
from bot.tickets import (
    OPEN_STATUSES,
    TicketFilter,
    TicketStatus,
    add_note,
    assign,
    change_status,
    conversation_of,
    list_tickets,
    notes_of,
    reply,
)
from bot.triage import NEEDS, Priority, higher_priority
from db.base import utcnow
from db.errors import ConflictError, InvalidError, NotFoundError
from db.models import Beneficiary, Message, StaffMember, TicketNote, TriageTicket
from gateway.attachments import attachments_of
from gateway.records import site_by_slug
from lien.api.schemas import AttachmentOut, QueuedOut, StaffMessageIn, attachment_out
from lien.auth import CurrentStaff, StaffOnly
from lien.deps import RuntimeDep, SessionDep
from lien.reply_files import discarded_on_failure, store_reply_file
from lien.runtime import Runtime

router = APIRouter(prefix="/api/tickets", tags=["tickets"])
NEED_PATTERN = "^(" + "|".join(NEEDS) + ")$"


class UrgencyOut(BaseModel):
    category: str
    label: str = Field(description="En français, pour l'équipe")
    words: list[str] = Field(description="Les mots de la personne qui l'ont dit")


class TicketOut(BaseModel):
    id: int
    beneficiary_id: int
    first_name: str | None
    site_id: int | None
    need: str | None
    priority: str
    language: str
    status: str
    source: str
    reason: str | None
    assignee_id: int | None
    directory_entries: list[str]
    urgency: list[UrgencyOut]
    unreviewed_texts: bool = Field(
        description="La personne a reçu des textes que personne parlant sa langue n'a relus"
    )
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None
    resolved_at: datetime | None


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    staff_member_id: int | None
    text: str
    created_at: datetime


class ExchangeOut(BaseModel):
    id: int
    direction: str
    channel: str
    body: str | None
    status: str
    origin: str
    created_at: datetime
    attachments: list[AttachmentOut] = []


class TicketDetail(TicketOut):
    notes: list[NoteOut]
    conversation: list[ExchangeOut]


class TicketPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: TicketStatus | None = None
    priority: Priority | None = Field(None, description="Ne fait que monter, sauf avec force")
    need: str | None = Field(None, pattern=NEED_PATTERN)
    force_priority: bool = False


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_member_id: int | None = Field(None, description="Vide : à moi")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)


def unreviewed_languages(runtime: Runtime) -> frozenset[str]:
    """Return the languages whose accueil texts still wait for a fluent speaker's review."""
    if runtime.accueil is None:
        return frozenset()
    return frozenset(runtime.accueil.flow.unreviewed_languages)


async def _unreviewed(runtime: RuntimeDep) -> frozenset[str]:
    return unreviewed_languages(runtime)


Unreviewed = Annotated[frozenset[str], Depends(_unreviewed)]


def _out(ticket: TriageTicket, first_name: str | None, unreviewed: frozenset[str]) -> TicketOut:
    return TicketOut(
        id=ticket.id,
        beneficiary_id=ticket.beneficiary_id,
        first_name=first_name,
        site_id=ticket.site_id,
        need=ticket.need,
        priority=ticket.priority,
        language=ticket.language,
        status=ticket.status,
        source=ticket.source,
        reason=ticket.reason,
        assignee_id=ticket.assignee_id,
        directory_entries=[str(entry) for entry in ticket.directory_entries],
        urgency=[
            UrgencyOut(category=category, label=label, words=words)
            for category, label, words in heard(ticket)
        ],
        unreviewed_texts=ticket.language in unreviewed,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        last_message_at=ticket.last_message_at,
        resolved_at=ticket.resolved_at,
    )


async def _first_names(session: AsyncSession, ids: set[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Beneficiary.id, Beneficiary.first_name).where(Beneficiary.id.in_(ids))
    )
    return {person_id: first_name for person_id, first_name in rows.all()}


async def _load(session: AsyncSession, ticket_id: int) -> TriageTicket:
    ticket = await session.scalar(
        select(TriageTicket).where(TriageTicket.id == ticket_id).with_for_update()
    )
    if ticket is None:
        raise NotFoundError("ticket introuvable")
    return ticket


async def _summary(
    session: AsyncSession, ticket: TriageTicket, unreviewed: frozenset[str]
) -> TicketOut:
    names = await _first_names(session, {ticket.beneficiary_id})
    return _out(ticket, names.get(ticket.beneficiary_id), unreviewed)


async def _detail(
    session: AsyncSession, ticket: TriageTicket, unreviewed: frozenset[str]
) -> TicketDetail:
    messages = await conversation_of(session, ticket)
    files = await attachments_of(session, [m.id for m in messages])
    return TicketDetail(
        **(await _summary(session, ticket, unreviewed)).model_dump(),
        notes=[NoteOut.model_validate(note) for note in await notes_of(session, ticket.id)],
        conversation=[
            ExchangeOut(
                id=m.id,
                direction=m.direction,
                channel=m.channel,
                body=m.body,
                status=m.status,
                origin=m.origin_kind,
                created_at=m.created_at,
                attachments=[attachment_out(a) for a in files[m.id]],
            )
            for m in messages
        ],
    )


def _assignee(raw: str | None, staff: StaffMember) -> TicketFilter:
    if raw is None:
        return TicketFilter()
    if raw == "me":
        return TicketFilter(assignee_id=staff.id)
    if raw == "none":
        return TicketFilter(unassigned=True)
    if raw.isdigit():
        return TicketFilter(assignee_id=int(raw))
    raise InvalidError("assignee : « me », « none » ou l'identifiant d'un membre de l'équipe")


@router.get("", response_model=list[TicketOut], summary="File de tri : les plus urgents d'abord")
async def queue(
    session: SessionDep,
    staff: CurrentStaff,
    unreviewed: Unreviewed,
    status_: Annotated[list[TicketStatus] | None, Query(alias="status")] = None,
    site: Annotated[str | None, Query(max_length=64, description="Site (slug)")] = None,
    need: Annotated[str | None, Query(pattern=NEED_PATTERN)] = None,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$")] = None,
    assignee: Annotated[str | None, Query(description="me, none ou un identifiant")] = None,
    beneficiary_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TicketOut]:
    by_assignee = _assignee(assignee, staff)
    site_id = (await site_by_slug(session, site)).id if site else None
    wanted = TicketFilter(
        statuses=tuple(status_) if status_ else OPEN_STATUSES,
        site_id=site_id,
        need=need,
        language=language,
        assignee_id=by_assignee.assignee_id,
        unassigned=by_assignee.unassigned,
        beneficiary_id=beneficiary_id,
    )
    tickets = await list_tickets(session, wanted=wanted, limit=limit, offset=offset)
    names = await _first_names(session, {ticket.beneficiary_id for ticket in tickets})
    return [_out(ticket, names.get(ticket.beneficiary_id), unreviewed) for ticket in tickets]


@router.get("/{ticket_id}", response_model=TicketDetail, summary="Un ticket et l'échange")
async def read(
    ticket_id: int, session: SessionDep, _staff: CurrentStaff, unreviewed: Unreviewed
) -> TicketDetail:
    return await _detail(session, await _load(session, ticket_id), unreviewed)


@router.post("/{ticket_id}/assign", response_model=TicketOut, summary="Prendre ou confier")
async def take(
    ticket_id: int,
    session: SessionDep,
    staff: StaffOnly,
    unreviewed: Unreviewed,
    body: AssignIn | None = None,
) -> TicketOut:
    ticket = await _load(session, ticket_id)
    member_id = body.staff_member_id if body and body.staff_member_id else staff.id
    member = await session.get(StaffMember, member_id)
    if member is None or not member.active:
        raise InvalidError("membre inconnu")
    assign(ticket, staff_member_id=member.id, now=utcnow())
    return await _summary(session, ticket, unreviewed)


@router.delete("/{ticket_id}/assign", response_model=TicketOut, summary="Rendre à l'équipe")
async def release(
    ticket_id: int, session: SessionDep, _staff: StaffOnly, unreviewed: Unreviewed
) -> TicketOut:
    ticket = await _load(session, ticket_id)
    assign(ticket, staff_member_id=None, now=utcnow())
    return await _summary(session, ticket, unreviewed)


@router.patch("/{ticket_id}", response_model=TicketOut, summary="Statut, urgence, besoin")
async def patch(
    ticket_id: int,
    body: TicketPatch,
    session: SessionDep,
    _staff: StaffOnly,
    unreviewed: Unreviewed,
) -> TicketOut:
    ticket = await _load(session, ticket_id)
    now = utcnow()
    if body.status is not None:
        await change_status(session, ticket=ticket, status=body.status, now=now)
    if body.priority is not None:
        current = cast(Priority, ticket.priority)
        forced = body.force_priority
        ticket.priority = body.priority if forced else higher_priority(current, body.priority)
    if body.need is not None:
        ticket.need = body.need
    ticket.updated_at = now
    return await _summary(session, ticket, unreviewed)


@router.post(
    "/{ticket_id}/notes",
    response_model=NoteOut,
    status_code=status.HTTP_201_CREATED,
    summary="Note privée de l'équipe",
)
async def note(ticket_id: int, body: NoteIn, session: SessionDep, staff: StaffOnly) -> NoteOut:
    ticket = await _load(session, ticket_id)
    written: TicketNote = await add_note(
        session, ticket=ticket, staff_member_id=staff.id, text=body.text, now=utcnow()
    )
    return NoteOut.model_validate(written)


@router.post(
    "/{ticket_id}/replies",
    response_model=QueuedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Répondre à la personne",
)
async def answer(
    ticket_id: int, body: StaffMessageIn, session: SessionDep, staff: StaffOnly
) -> QueuedOut:
    ticket = await _load(session, ticket_id)
    # A person who cannot be written to is refused by the outbox (409 opted out, 422 no contact).
    message_id = await reply(
        session,
        ticket=ticket,
        staff_member_id=staff.id,
        text=body.text,
        channel=body.channel,
        now=utcnow(),
    )
    if message_id is None:  # no dedup key is given: cannot happen
        raise ConflictError("message déjà en file")
    return QueuedOut.of(await session.get_one(Message, message_id))


@router.post(
    "/{ticket_id}/replies/file",
    response_model=QueuedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Répondre avec un fichier (image JPEG ou PNG, document PDF)",
    description=(
        "Formulaire multipart : `file` (obligatoire), `text` (légende, facultative), `channel`. "
        "Le type est lu dans le contenu ; au plus LIEN_ATTACHMENT_MAX_BYTES. Telegram envoie le "
        "fichier lui-même ; un SMS porte un lien signé qui expire après LIEN_FILE_LINK_DAYS jours."
    ),
)
async def answer_with_file(
    ticket_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffOnly,
    file: Annotated[UploadFile, File(description="Image JPEG ou PNG, ou document PDF")],
    text: Annotated[str, Form(max_length=1500)] = "",
    channel: Annotated[str | None, Form(pattern=r"^(sms|telegram|simulator)$")] = None,
) -> QueuedOut:
    # A ticket this association cannot see is a 404 whatever the file; the file is then stored
    # before the ticket is locked, so that it is written outside the ticket's row lock.
    if await session.scalar(select(TriageTicket.id).where(TriageTicket.id == ticket_id)) is None:
        raise NotFoundError("ticket introuvable")
    stored = await store_reply_file(session, runtime.attachments, runtime.settings, file)
    async with discarded_on_failure(runtime.attachments, stored):
        ticket = await _load(session, ticket_id)
        message_id = await reply(
            session,
            ticket=ticket,
            staff_member_id=staff.id,
            text=text.strip(),
            channel=channel,
            now=utcnow(),
            attachment=stored,
            links=runtime.settings.file_links(),
        )
    if message_id is None:
        raise ConflictError("message déjà en file")
    return QueuedOut.of(await session.get_one(Message, message_id))
