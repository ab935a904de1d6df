"""The triage queue: who needs the team first, one ticket with its exchange, and the answers."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alarm import heard
from bot.directory_store import layered, load_edits
from bot.tickets import (
    STATUSES,
    TicketConflict,
    TicketStatus,
    add_note,
    change_status,
    reply,
)
from bot.triage import NEEDS, PRIORITIES
from db.base import utcnow
from db.models import Site, StaffMember, TriageTicket
from gateway import audit
from gateway.outbound_files import FileRefused
from gateway.outbox import NotReachable
from lien.api.tickets import unreviewed_languages
from lien.console.errors import PageNotFound
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.pages.beneficiaries import NO_CONTACT, OPTED_OUT, record_or_404
from lien.console.roles import StaffPage, VolunteerPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render, render_polled
from lien.console.triage_view import (
    NOBODY,
    clean_filters,
    exchange_version,
    queue_lines,
    queue_version,
    ticket_exchange,
    ticket_filter,
)
from lien.deps import RuntimeDep, SessionDep
from lien.reply_files import discarded_on_failure, has_file, store_reply_file
from lien.settings import Settings

router = console_router()
MAX_REPLY = 1600
MAX_NOTE = 4000
FILE_PROBLEMS = {
    "type": Problem(N_("Seuls une image (JPEG ou PNG) ou un document PDF peuvent être envoyés.")),
    "too_large": Problem(N_("Ce fichier est trop grand.")),
    "empty": Problem(N_("Ce fichier est vide.")),
    "no_links": Problem(N_("Ce fichier ne peut pas être envoyé par SMS ici.")),
}
Filter = Annotated[str, Query(max_length=32)]


async def _raw_filters(
    site: Filter = "",
    need: Filter = "",
    language: Filter = "",
    assignee: Filter = "",
    status: Filter = "",
) -> dict[str, str]:
    """The queue's filters as the address gives them, before they are checked."""
    return {
        "site": site,
        "need": need,
        "language": language,
        "assignee": assignee,
        "status": status,
    }


RawFilters = Annotated[dict[str, str], Depends(_raw_filters)]


async def _sites(session: AsyncSession) -> list[Site]:
    return list((await session.execute(select(Site).order_by(Site.name))).scalars())


async def _queue_context(
    session: AsyncSession,
    staff: StaffMember,
    raw: dict[str, str],
) -> dict[str, Any]:
    sites = await _sites(session)
    filters = clean_filters(
        site=raw["site"],
        need=raw["need"],
        language=raw["language"],
        assignee=raw["assignee"],
        status=raw["status"],
        sites=sites,
    )
    lines = await queue_lines(
        session, wanted=ticket_filter(filters, viewer_id=staff.id, sites=sites)
    )
    members = await session.execute(
        select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.name)
    )
    return {
        "lines": lines,
        "version": queue_version(lines),
        "filters": filters,
        "sites": sites,
        "needs": NEEDS,
        "statuses": STATUSES,
        "members": list(members.scalars()),
        "nobody": NOBODY,
    }


@router.get("/triage", name="console.triage")
async def triage(
    request: Request,
    session: SessionDep,
    staff: VolunteerPage,
    raw: RawFilters,
) -> HTMLResponse:
    context = await _queue_context(session, staff, raw)
    return render(request, "triage.html", context, section="triage")


@router.get("/triage/rows", name="console.triage_rows")
async def triage_rows(
    request: Request,
    session: SessionDep,
    staff: VolunteerPage,
    raw: RawFilters,
) -> Response:
    context = await _queue_context(session, staff, raw)
    return render_polled(request, "_triage_rows.html", context, section="triage")


async def load_ticket(session: AsyncSession, ticket_id: int, *, lock: bool = False) -> TriageTicket:
    """Return a ticket, or the console's page for what does not exist."""
    query = select(TriageTicket).where(TriageTicket.id == ticket_id)
    ticket = await session.scalar(query.with_for_update() if lock else query)
    if ticket is None:
        raise PageNotFound
    return ticket


async def _exchange_context(session: AsyncSession, ticket: TriageTicket) -> dict[str, Any]:
    exchange = await ticket_exchange(session, ticket)
    return {
        "ticket": ticket,
        "messages": exchange.messages,
        "attachments": exchange.attachments,
        "notes": exchange.notes,
        "version": exchange_version(ticket, exchange),
    }


async def _ticket_page(
    request: Request,
    session: AsyncSession,
    staff: StaffMember,
    ticket: TriageTicket,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Problem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = await record_or_404(session, ticket.beneficiary_id, staff)
    assignee = await session.get(StaffMember, ticket.assignee_id) if ticket.assignee_id else None
    members = await session.scalars(
        select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.name)
    )
    context = {
        **await _exchange_context(session, ticket),
        "services": await _service_names(request, session, ticket),
        "view": view,
        "person": view.person,
        "assignee": assignee,
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "members": list(members),
        "values": {**_ticket_values(ticket), **(values or {})},
        "urgency": heard(ticket),
        "unreviewed": ticket.language in unreviewed_languages(request.app.state.runtime),
        "errors": errors or {},
        "file_link": _file_link_size(request.app.state.runtime.settings),
    }
    return render(request, "ticket.html", context, section="triage", status_code=status_code)


def _file_link_size(settings: Settings) -> dict[str, int]:
    """Say how long the link to a file is and how long it works, for the SMS the form warns of."""
    links = settings.file_links()
    # A link's length hardly varies: the attachment's number takes a character or two more.
    sample = links.link(36**4, now=utcnow())
    return {"chars": len(sample) + 1, "days": settings.file_link_days}


async def _service_names(
    request: Request, session: AsyncSession, ticket: TriageTicket
) -> list[str]:
    """Return the names of the services the person was sent to (ids are not for people)."""
    accueil = getattr(request.app.state.runtime, "accueil", None)
    if accueil is None or not ticket.directory_entries:
        return [str(entry) for entry in ticket.directory_entries]
    directory = layered(accueil.directory, await load_edits(session))
    found = (directory.get(str(entry_id)) for entry_id in ticket.directory_entries)
    return [
        entry.name if entry else str(entry_id)
        for entry, entry_id in zip(found, ticket.directory_entries, strict=True)
    ]


def _ticket_values(ticket: TriageTicket) -> dict[str, str]:
    return {"text": "", "note": "", "status": ticket.status, "priority": ticket.priority}


async def ticket_page_with(
    request: Request,
    session: AsyncSession,
    staff: StaffMember,
    ticket: TriageTicket,
    *,
    form: FormReader,
) -> HTMLResponse:
    """Show the ticket again with what a refused form held and every one of its problems."""
    return await _ticket_page(
        request, session, staff, ticket, values=form.values, errors=form.errors, status_code=422
    )


@router.get("/triage/{ticket_id}", name="console.ticket")
async def ticket_page(
    request: Request, ticket_id: int, session: SessionDep, staff: VolunteerPage
) -> HTMLResponse:
    ticket = await load_ticket(session, ticket_id)
    audit.record_audit(
        session,
        staff_id=staff.id,
        action=audit.VIEW,
        beneficiary_id=ticket.beneficiary_id,
        details={"via": "console", "part": "ticket", "ticket_id": ticket.id},
    )
    return await _ticket_page(request, session, staff, ticket)


@router.get("/triage/{ticket_id}/exchange", name="console.ticket_exchange")
async def ticket_exchange_rows(
    request: Request, ticket_id: int, session: SessionDep, _staff: VolunteerPage
) -> Response:
    context = await _exchange_context(session, await load_ticket(session, ticket_id))
    return render_polled(request, "_ticket_exchange.html", context, section="triage")


@router.post("/triage/{ticket_id}/reply", name="console.ticket_reply")
async def answer(
    request: Request, ticket_id: int, session: SessionDep, staff: StaffPage, runtime: RuntimeDep
) -> Response:
    settings = runtime.settings
    data = await request.form()
    form = FormReader(data)
    upload = data.get("file")
    text = form.text("text", required=not has_file(upload), max_length=MAX_REPLY)
    stored = None
    if form.ok and has_file(upload):
        # Before the ticket is locked: writing a file may take a while.
        try:
            stored = await store_reply_file(session, runtime.attachments, settings, upload)
        except FileRefused as refused:
            form.refuse("file", FILE_PROBLEMS[refused.why])
    async with discarded_on_failure(runtime.attachments, stored) as discard:
        ticket = await load_ticket(session, ticket_id, lock=True)
        if form.ok:
            try:
                await reply(
                    session,
                    ticket=ticket,
                    staff_member_id=staff.id,
                    text=text,
                    now=utcnow(),
                    attachment=stored,
                    links=settings.file_links(),
                )
            except NotReachable as refused:
                form.refuse("text", OPTED_OUT if refused.opted_out else NO_CONTACT)
                await discard()
            else:
                flash(request, Problem(N_("Réponse mise en file d'envoi.")))
                return see_other(f"/triage/{ticket.id}#exchange")
    values = {"text": text, "note": "", "status": ticket.status}
    return await _ticket_page(
        request, session, staff, ticket, values=values, errors=form.errors, status_code=422
    )


@router.post("/triage/{ticket_id}/notes", name="console.ticket_note")
async def note(request: Request, ticket_id: int, session: SessionDep, staff: StaffPage) -> Response:
    ticket = await load_ticket(session, ticket_id, lock=True)
    form = FormReader(await request.form())
    text = form.text("note", required=True, max_length=MAX_NOTE)
    if not form.ok:
        values = {"text": "", "note": text, "status": ticket.status}
        return await _ticket_page(
            request, session, staff, ticket, values=values, errors=form.errors, status_code=422
        )
    await add_note(session, ticket=ticket, staff_member_id=staff.id, text=text, now=utcnow())
    flash(request, Problem(N_("Note ajoutée.")))
    return see_other(f"/triage/{ticket.id}#notes")


@router.post("/triage/{ticket_id}/status", name="console.ticket_status")
async def move(request: Request, ticket_id: int, session: SessionDep, staff: StaffPage) -> Response:
    ticket = await load_ticket(session, ticket_id, lock=True)
    form = FormReader(await request.form())
    status = form.choice("status", STATUSES, required=True)
    if form.ok:
        try:
            await change_status(
                session, ticket=ticket, status=cast(TicketStatus, status), now=utcnow()
            )
        except TicketConflict:
            form.refuse(
                "status",
                Problem(N_("Impossible de rouvrir : la personne a déjà un autre ticket ouvert.")),
            )
        else:
            flash(request, Problem(N_("Statut du ticket mis à jour.")))
            return see_other(f"/triage/{ticket.id}")
    values = {"text": "", "note": "", "status": status}
    return await _ticket_page(
        request, session, staff, ticket, values=values, errors=form.errors, status_code=422
    )
