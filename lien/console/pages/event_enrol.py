"""Enrolling many people in an event at once: an audience of the user file, or a list of phones."""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import resolve_audience
from broadcast.texts import BroadcastError
from db.base import utcnow
from db.models import Event, Site
from lien.console.broadcast_form import choices_for, read_audience
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.pages.events import event_or_404
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash
from lien.deps import SessionDep
from lien.wiring import audience_sources
from notifications.lists import MAX_LIST, enroll_list
from notifications.states import InvalidEvent

router = console_router()
MAX_PHONES_TEXT = 100_000
ENROLLED = N_(
    "Inscriptions : %(enrolled)s, liste d'attente : %(waitlisted)s, "
    "déjà inscrites : %(already)s, refusées : %(refused)s."
)
NOBODY = Problem(N_("Cochez un public ou collez des numéros : personne n'a été inscrit."))
TOO_MANY = Problem(N_("%(limit)s personnes au plus à la fois."), {"limit": MAX_LIST})


async def _audience_ids(session: AsyncSession, event: Event, form: FormReader) -> list[int] | None:
    """Return the people of the audience ticked in the form; None when nothing was ticked."""
    site = await session.get_one(Site, event.site_id)
    choices = await choices_for(session, organisation_id=site.organisation_id)
    criteria = read_audience(form, choices)
    if not form.ok or not (criteria.sites or criteria.tags or criteria.languages):
        return None
    audience = await resolve_audience(
        session,
        organisation_id=site.organisation_id,
        criteria=criteria,
        now=utcnow(),
        sources=audience_sources(),
    )
    return list(await session.scalars(audience.ids().limit(MAX_LIST + 1)))


@router.post("/events/{event_id}/enrol", name="console.event_enrol")
async def enrol_many(
    request: Request, event_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    event = await event_or_404(session, event_id)
    form = FormReader(await request.form())
    phones = [p.strip() for p in form.text("phones", max_length=MAX_PHONES_TEXT).splitlines()]
    phones = [p for p in phones if p]
    try:
        ids = await _audience_ids(session, event, form) or []
    except BroadcastError as exc:
        flash(request, Problem(N_("Inscription refusée : %(detail)s."), {"detail": str(exc)}))
        return see_other(f"/events/{event.id}")
    if not form.ok or not (ids or phones):
        flash(request, NOBODY)
        return see_other(f"/events/{event.id}")
    if len(ids) + len(phones) > MAX_LIST:
        flash(request, TOO_MANY)
        return see_other(f"/events/{event.id}")
    try:
        async with session.begin_nested():
            lines = await enroll_list(
                session,
                event=event,
                now=utcnow(),
                beneficiary_ids=ids,
                phones=phones,
                source="staff",
                staff_id=staff.id,
            )
    except InvalidEvent as exc:
        flash(request, Problem(N_("Inscription refusée : %(detail)s."), {"detail": str(exc)}))
        return see_other(f"/events/{event.id}")
    tally = Counter(line.status for line in lines)
    already = tally["already_enrolled"] + tally["already_waitlisted"]
    counts: dict[str, object] = {
        "enrolled": tally["enrolled"],
        "waitlisted": tally["waitlisted"],
        "already": already,
        "refused": tally["refused"],
    }
    flash(request, Problem(ENROLLED, counts))
    return see_other(f"/events/{event.id}")
