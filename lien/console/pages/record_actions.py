"""What staff do from a record: mail arrived, enrol in an event, export or erase the person."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from db.base import utcnow
from db.models import Beneficiary
from gateway.privacy.erasure import erase_person
from gateway.privacy.export import export_person
from gateway.privacy.sources import UnknownBeneficiary
from lien.console.errors import PageNotFound, get_or_404
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.roles import AdminPage, StaffPage, VolunteerPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import RuntimeDep, SessionDep
from lien.document import render_export_html
from notifications.enrollments import enroll
from notifications.mail import mark_mail_arrived
from notifications.service import get_event
from notifications.states import Conflict, NotFound

router = console_router()
CONFIRM_WORD = "EFFACER"
VIA = "console"
ENROLLED = {
    "enrolled": N_("Inscription enregistrée : la personne est prévenue."),
    "waitlisted": N_("Activité complète : la personne est sur la liste d'attente."),
    "already_enrolled": N_("Cette personne est déjà inscrite."),
    "already_waitlisted": N_("Cette personne est déjà sur la liste d'attente."),
}


@router.post("/beneficiaries/{beneficiary_id}/mail", name="console.record_mail")
async def mail_arrived(
    request: Request, beneficiary_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    await get_or_404(session, Beneficiary, beneficiary_id)
    outcome = await mark_mail_arrived(
        session, beneficiary_id=beneficiary_id, now=utcnow(), staff_id=staff.id
    )
    if outcome.first_today and outcome.message_id is not None:
        flash(request, Problem(N_("Courrier noté : la personne est prévenue.")))
    elif outcome.first_today:
        flash(request, Problem(N_("Courrier noté, mais la personne ne peut pas être prévenue.")))
    else:
        flash(request, Problem(N_("Courrier noté : la personne a déjà été prévenue aujourd'hui.")))
    return see_other(f"/beneficiaries/{beneficiary_id}")


@router.post("/beneficiaries/{beneficiary_id}/enrol", name="console.record_enrol")
async def enrol(
    request: Request, beneficiary_id: int, session: SessionDep, staff: VolunteerPage
) -> Response:
    await get_or_404(session, Beneficiary, beneficiary_id)
    form = FormReader(await request.form())
    raw = form.text("event_id", required=True, max_length=12)
    try:
        event = await get_event(session, int(raw)) if raw.isdigit() else None
    except NotFound:
        event = None
    if event is None:
        flash(request, Problem(N_("Choisissez une activité de la liste.")))
        return see_other(f"/beneficiaries/{beneficiary_id}")
    try:
        outcome = await enroll(
            session,
            event=event,
            beneficiary_id=beneficiary_id,
            source="staff",
            now=utcnow(),
            staff_id=staff.id,
        )
    except Conflict:
        flash(request, Problem(N_("Cette activité est archivée : plus d'inscription possible.")))
    else:
        flash(request, Problem(ENROLLED.get(outcome.status, ENROLLED["enrolled"])))
    return see_other(f"/beneficiaries/{beneficiary_id}")


@router.get("/beneficiaries/{beneficiary_id}/export", name="console.record_export")
async def export(
    beneficiary_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffPage,
    document: Annotated[str, Query(alias="format", pattern="^(json|html)$")] = "json",
) -> Response:
    try:
        data = await export_person(
            session,
            runtime.privacy,
            beneficiary_id=beneficiary_id,
            staff_id=staff.id,
            document=document,
            via=VIA,
        )
    except UnknownBeneficiary as exc:
        raise PageNotFound from exc
    filename = f"lien-donnees-{beneficiary_id}.{document}"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    if document == "html":
        page = render_export_html(data, timezone=runtime.settings.timezone)
        return HTMLResponse(page, headers=headers)
    return JSONResponse(data, headers=headers)


def _erase_page(
    request: Request,
    person: Beneficiary,
    values: dict[str, str],
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "person": person,
        "word": CONFIRM_WORD,
        "values": values,
        "errors": errors,
    }
    return render(
        request, "record_erase.html", context, section="beneficiaries", status_code=status_code
    )


@router.get("/beneficiaries/{beneficiary_id}/erase", name="console.record_erase")
async def erase_page(
    request: Request, beneficiary_id: int, session: SessionDep, _staff: AdminPage
) -> HTMLResponse:
    person = await get_or_404(session, Beneficiary, beneficiary_id)
    return _erase_page(request, person, {"confirm": ""}, {})


@router.post("/beneficiaries/{beneficiary_id}/erase", name="console.record_erase_submit")
async def erase(
    request: Request,
    beneficiary_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: AdminPage,
) -> Response:
    person = await get_or_404(session, Beneficiary, beneficiary_id)
    form = FormReader(await request.form())
    typed = form.text("confirm", required=True, max_length=40)
    if typed and typed != CONFIRM_WORD:
        form.refuse(
            "confirm",
            Problem(N_("Tapez exactement %(word)s pour confirmer."), {"word": CONFIRM_WORD}),
        )
    if not form.ok:
        return _erase_page(request, person, form.values, form.errors, 422)
    await erase_person(
        session, runtime.privacy, beneficiary_id=beneficiary_id, staff_id=staff.id, via=VIA
    )
    flash(request, Problem(N_("Les données de la personne sont effacées.")))
    return see_other(f"/beneficiaries/{beneficiary_id}")
