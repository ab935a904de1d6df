"""Chat as a beneficiary through the simulator channel, to try the answers without a phone."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Message
from gateway.attachment_files import attachments_of
from gateway.inbound import INBOX
from gateway.phones import InvalidPhoneNumber, normalize_phone
from gateway.records import find_contact
from lien.api.simulator import SimulatorRefused, simulate
from lien.console.errors import PageNotFound
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.live import version
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render, render_polled
from lien.deps import RuntimeDep, SessionDep
from lien.reply_files import has_file, release_reads

router = console_router()
DEFAULT_SENDER = "+33600000000"
THREAD_LIMIT = 50
MAX_TEXT = 1600
BAD_PHONE = Problem(N_("Numéro de téléphone illisible : vérifiez les chiffres."))
REAL_PERSON = Problem(
    N_("Ce numéro est celui d'une vraie personne : le simulateur n'écrit jamais en son nom.")
)
LEFT_FOR_TEAM = Problem(
    N_("Pas de réponse automatique : le message attend l'équipe dans « Messages reçus ».")
)


async def _file(form: FormReader, posted: object, max_bytes: int) -> list[tuple[bytes, str | None]]:
    """Read the file the simulated person sends, if any; refuse one over the size limit."""
    if not has_file(posted):
        return []
    data = await posted.read(max_bytes + 1)
    if len(data) > max_bytes:
        form.refuse("file", too_large_problem(max_bytes))
        return []
    return [(data, posted.content_type)] if data else []


def too_large_problem(max_bytes: int) -> Problem:
    return Problem(
        N_("Fichier trop lourd : %(size)s Mo au plus."), {"size": max_bytes // (1024 * 1024)}
    )


def _refuse_when_off(request: Request) -> None:
    if not request.app.state.runtime.settings.simulator_on:
        raise PageNotFound


def _sender(request: Request) -> str:
    stored = request.session.get("sim_from")
    return stored if isinstance(stored, str) else DEFAULT_SENDER


async def _thread(session: AsyncSession, sender: str) -> tuple[list[Message], int | None]:
    contact = await find_contact(session, channel="simulator", address=sender)
    if contact is None:
        return [], None
    rows = await session.execute(
        select(Message)
        .where(Message.beneficiary_id == contact.beneficiary_id, Message.channel == "simulator")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(THREAD_LIMIT)
    )
    return list(reversed(rows.scalars().all())), contact.beneficiary_id


async def _context(session: AsyncSession, sender: str) -> dict[str, Any]:
    messages, person_id = await _thread(session, sender)
    files = await attachments_of(session, [m.id for m in messages if m.direction == "in"])
    states = (f"{a.id}:{a.status}" for kept in files.values() for a in kept)
    return {
        "messages": messages,
        "files": files,
        "person_id": person_id,
        "sender": sender,
        "version": version([*(f"{sender}:{m.id}:{m.status}" for m in messages), *states]),
    }


@router.get("/simulator", name="console.simulator")
async def simulator(request: Request, session: SessionDep, _staff: StaffPage) -> HTMLResponse:
    _refuse_when_off(request)
    context = await _context(session, _sender(request))
    context.update(values={"sender": _sender(request), "text": ""}, errors={})
    return render(request, "simulator.html", context, section="simulator")


@router.get("/simulator/thread", name="console.simulator_thread")
async def simulator_thread(request: Request, session: SessionDep, _staff: StaffPage) -> Response:
    _refuse_when_off(request)
    context = await _context(session, _sender(request))
    return render_polled(request, "_sim_thread.html", context, section="simulator")


@router.post("/simulator", name="console.simulator_send")
async def simulator_send(
    request: Request, session: SessionDep, runtime: RuntimeDep, _staff: StaffPage
) -> Response:
    _refuse_when_off(request)
    posted = await request.form()
    form = FormReader(posted)
    raw_sender = form.text("sender", required=True, max_length=40)
    # The sign-in read is committed before the file is read and held: no transaction waits
    # on a file of several megabytes.
    await release_reads(session)
    file = await _file(form, posted.get("file"), runtime.settings.attachment_max_bytes)
    # A photo alone is a message, as on a phone.
    text = form.text("text", required=not file, max_length=MAX_TEXT)
    sender = ""
    if raw_sender:
        try:
            sender = normalize_phone(raw_sender)
        except InvalidPhoneNumber:
            form.refuse("sender", BAD_PHONE)
    if not form.ok:
        context = await _context(session, sender or _sender(request))
        context.update(values=form.values, errors=form.errors)
        return render(request, "simulator.html", context, section="simulator", status_code=422)
    try:
        summary = await simulate(
            runtime, session, sender=sender, text=text, staff_id=_staff.id, files=file
        )
    except SimulatorRefused:
        form.refuse("sender", REAL_PERSON)
        context = await _context(session, sender)
        context.update(values=form.values, errors=form.errors)
        return render(request, "simulator.html", context, section="simulator", status_code=409)
    request.session["sim_from"] = sender
    if summary.handled_by == INBOX:
        flash(request, LEFT_FOR_TEAM)
    return see_other("/simulator#thread")
