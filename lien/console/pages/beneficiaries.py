"""Finding a person, their record beside the conversation, and replying to them."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Site, StaffMember
from gateway import audit
from gateway.exchange import Origin
from gateway.outbox import NotReachable, OutgoingMessage, Priority, queue_message
from gateway.phones import InvalidPhoneNumber
from gateway.records import find_by_phone
from lien.console.errors import PageNotFound, get_or_404
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.live import version
from lien.console.people_list import PeoplePage, PeopleWanted, known_tags, people_page
from lien.console.record_view import RecordView, TimelineItem, load_record, load_timeline
from lien.console.roles import StaffPage, VolunteerPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render, render_polled
from lien.deps import SessionDep

router = console_router()
MAX_REPLY = 1600
_PHONE_LIKE = re.compile(r"^\+?[\d\s.\-()]{6,}$")

OPTED_OUT = Problem(
    N_("Cette personne a demandé à ne plus recevoir de messages (STOP) : rien n'est envoyé.")
)
NO_CONTACT = Problem(N_("Aucun moyen de contact sur ce canal."))
BAD_PHONE = Problem(N_("Numéro de téléphone illisible : vérifiez les chiffres."))


@router.get("/beneficiaries", name="console.beneficiaries")
async def search(
    request: Request,
    session: SessionDep,
    _staff: VolunteerPage,
    q: Annotated[str, Query(max_length=100)] = "",
    site: Annotated[str, Query(max_length=64)] = "",
    tag: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    errors: dict[str, Problem] = {}
    text = q.strip()
    wanted = PeopleWanted(text=text, site=site, tag=tag, page=page)
    found = PeoplePage([], 0, 1, 1)
    if _PHONE_LIKE.match(text):
        try:
            people = await find_by_phone(session, text)
            found = PeoplePage(people, len(people), 1, 1)
        except InvalidPhoneNumber:
            errors = {"q": BAD_PHONE}
    else:
        found = await people_page(session, wanted)
    sites = (await session.execute(select(Site.slug, Site.name).order_by(Site.name))).all()
    context = {
        "found": found,
        "people": found.people,
        "q": q,
        "wanted": wanted,
        "sites": [(slug, name) for slug, name in sites],
        "tags": await known_tags(session),
        "errors": errors,
    }
    status_code = 422 if errors else 200
    return render(
        request, "beneficiaries.html", context, section="beneficiaries", status_code=status_code
    )


async def record_or_404(
    session: AsyncSession, beneficiary_id: int, staff: StaffMember
) -> RecordView:
    view = await load_record(session, beneficiary_id, role=staff.role)
    if view is None:
        raise PageNotFound
    return view


def timeline_context(person_id: int, timeline: list[TimelineItem]) -> dict[str, Any]:
    """Return what the self-refreshing timeline fragment needs."""
    shown = (
        f"{i.message.id}:{i.message.status}:{len(i.history)}:"
        + ",".join(f"{a.id}{a.status}" for a in i.attachments)
        for i in timeline
    )
    return {
        "timeline": timeline,
        "person_id": person_id,
        "version": version(shown),
    }


def _reply_context(
    view: RecordView, values: dict[str, str], errors: dict[str, Problem]
) -> dict[str, Any]:
    return {
        "view": view,
        "person": view.person,
        "values": values,
        "errors": errors,
        **timeline_context(view.person.id, view.timeline),
    }


@router.get("/beneficiaries/{beneficiary_id}", name="console.record")
async def record(
    request: Request, beneficiary_id: int, session: SessionDep, staff: VolunteerPage
) -> HTMLResponse:
    view = await record_or_404(session, beneficiary_id, staff)
    audit.record_audit(
        session,
        staff_id=staff.id,
        action=audit.VIEW,
        beneficiary_id=beneficiary_id,
        details={"via": "console"},
    )
    context = _reply_context(view, {"text": "", "channel": ""}, {})
    return render(request, "record.html", context, section="beneficiaries")


@router.get("/beneficiaries/{beneficiary_id}/timeline", name="console.record_timeline")
async def timeline(
    request: Request, beneficiary_id: int, session: SessionDep, _staff: VolunteerPage
) -> Response:
    # A record this viewer may not see has no timeline either, not an empty one.
    await get_or_404(session, Beneficiary, beneficiary_id)
    context = timeline_context(beneficiary_id, await load_timeline(session, beneficiary_id))
    return render_polled(request, "_timeline.html", context, section="beneficiaries")


@router.post("/beneficiaries/{beneficiary_id}/reply", name="console.record_reply")
async def reply(
    request: Request, beneficiary_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    view = await record_or_404(session, beneficiary_id, staff)
    form = FormReader(await request.form())
    text = form.text("text", required=True, max_length=MAX_REPLY)
    channels = {c.channel for c in view.person.contact_points}
    channel = form.choice("channel", channels)
    if form.ok:
        try:
            await queue_message(
                session,
                OutgoingMessage(
                    beneficiary_id=beneficiary_id,
                    text=text,
                    channel=channel or None,
                    origin=Origin("staff", str(staff.id)),
                    priority=Priority.CONVERSATION,
                ),
            )
        except NotReachable as refused:
            form.refuse("text", OPTED_OUT if refused.opted_out else NO_CONTACT)
        else:
            flash(request, Problem(N_("Réponse mise en file d'envoi.")))
            return see_other(f"/beneficiaries/{beneficiary_id}#conversation")
    context = _reply_context(view, form.values, form.errors)
    return render(request, "record.html", context, section="beneficiaries", status_code=422)
