"""Who handles a ticket and how pressing it is: take it, hand it to a colleague, give it back,
raise or lower its priority."""

from __future__ import annotations

from typing import cast

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tickets import add_note, assign
from bot.triage import PRIORITIES, Priority
from db.base import utcnow
from db.models import StaffMember, TriageTicket
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem, translate
from lien.console.labels import PRIORITY_LABELS
from lien.console.pages.triage import load_ticket, ticket_page_with
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash
from lien.deps import SessionDep

router = console_router()
MAX_REASON = 500
LOWERED_NOTE = N_("Priorité baissée de « %(before)s » à « %(after)s » : %(reason)s")
REASON_NEEDED = Problem(N_("Dites pourquoi la priorité baisse : l'équipe le lira dans les notes."))
UNKNOWN_COLLEAGUE = Problem(N_("Choisissez une personne active de l'équipe."))


def _taken_by(name: str) -> Problem:
    return Problem(
        N_("Déjà pris par %(name)s : rechargez la page avant de le reprendre."), {"name": name}
    )


async def _colleague(session: AsyncSession, raw: str) -> StaffMember | None:
    if not raw.isdigit():
        return None
    member = await session.get(StaffMember, int(raw))
    return member if member is not None and member.active else None


async def _refuse_if_taken(
    session: AsyncSession, ticket: TriageTicket, *, seen: str, target: int | None
) -> Problem | None:
    """Refuse to move a ticket someone took after the page was shown."""
    current = ticket.assignee_id
    if current is None or current == target or str(current) == seen:
        return None
    holder = await session.get(StaffMember, current)
    return _taken_by(holder.name if holder is not None else "?")


@router.post("/triage/{ticket_id}/assign", name="console.ticket_assign")
async def hand(request: Request, ticket_id: int, session: SessionDep, staff: StaffPage) -> Response:
    ticket = await load_ticket(session, ticket_id, lock=True)
    form = FormReader(await request.form())
    seen = form.text("seen", max_length=20)
    target = staff
    chosen = form.text("to", max_length=20)
    if chosen:
        found = await _colleague(session, chosen)
        if found is None:
            form.refuse("to", UNKNOWN_COLLEAGUE)
        else:
            target = found
    if form.ok:
        taken = await _refuse_if_taken(session, ticket, seen=seen, target=target.id)
        if taken is not None:
            form.refuse("to", taken)
    if not form.ok:
        return await ticket_page_with(request, session, staff, ticket, form=form)
    assign(ticket, staff_member_id=target.id, now=utcnow())
    if target.id == staff.id:
        flash(request, Problem(N_("Ticket pris en charge.")))
    else:
        flash(request, Problem(N_("Ticket confié à %(name)s."), {"name": target.name}))
    return see_other(f"/triage/{ticket.id}")


@router.post("/triage/{ticket_id}/release", name="console.ticket_release")
async def give_back(
    request: Request, ticket_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    ticket = await load_ticket(session, ticket_id, lock=True)
    form = FormReader(await request.form())
    taken = await _refuse_if_taken(
        session, ticket, seen=form.text("seen", max_length=20), target=None
    )
    if taken is not None:
        form.refuse("to", taken)
        return await ticket_page_with(request, session, staff, ticket, form=form)
    assign(ticket, staff_member_id=None, now=utcnow())
    flash(request, Problem(N_("Ticket rendu : toute l'équipe le voit de nouveau.")))
    return see_other(f"/triage/{ticket.id}")


@router.post("/triage/{ticket_id}/priority", name="console.ticket_priority")
async def change_priority(
    request: Request, ticket_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    ticket = await load_ticket(session, ticket_id, lock=True)
    form = FormReader(await request.form())
    wanted = form.choice("priority", PRIORITIES, required=True)
    reason = form.text("priority_reason", max_length=MAX_REASON)
    before = cast(Priority, ticket.priority)
    lowered = form.ok and PRIORITIES.index(cast(Priority, wanted)) < PRIORITIES.index(before)
    if lowered and not reason:
        form.refuse("priority_reason", REASON_NEEDED)
    if not form.ok:
        return await ticket_page_with(request, session, staff, ticket, form=form)
    now = utcnow()
    if lowered:
        # The reason stays with the ticket, in French as the team's notes are.
        note = Problem(
            LOWERED_NOTE,
            {
                "before": translate(Problem(PRIORITY_LABELS[before]), "fr"),
                "after": translate(Problem(PRIORITY_LABELS[wanted]), "fr"),
                "reason": reason,
            },
        )
        await add_note(
            session, ticket=ticket, staff_member_id=staff.id, text=translate(note, "fr"), now=now
        )
    ticket.priority = wanted
    ticket.updated_at = now
    flash(request, Problem(N_("Priorité mise à jour.")))
    return see_other(f"/triage/{ticket.id}")
