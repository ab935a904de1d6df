"""A record's contacts and consent: add a number or a chat id, record what the person decided."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, ContactPoint
from gateway import audit
from gateway.consent import OPT_IN, OPT_OUT, TOLD_STAFF, record_consent
from gateway.records import get_beneficiary
from lien.console.audit import record_audit
from lien.console.contact_form import (
    ADDABLE_CHANNELS,
    add_checked_contact,
    read_address,
    refuse_if_known,
)
from lien.console.errors import PageNotFound
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import SessionDep

router = console_router()
DECISIONS = (OPT_IN, OPT_OUT)
# The consent form's channel value for "every contact of the person".
EVERY_CHANNEL = "all"
NO_CONTACT = Problem(N_("La fiche n'a encore aucun moyen de contact : ajoutez-en un d'abord."))


async def _person(session: AsyncSession, beneficiary_id: int) -> Beneficiary:
    person = await get_beneficiary(session, beneficiary_id)
    if person is None:
        raise PageNotFound
    return person


def _page(
    request: Request,
    template: str,
    person: Beneficiary,
    values: dict[str, Any],
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "person": person,
        "channels": ADDABLE_CHANNELS,
        "person_channels": _channels(person),
        "decisions": DECISIONS,
        "sources": TOLD_STAFF,
        "every_channel": EVERY_CHANNEL,
        "values": values,
        "errors": errors,
    }
    return render(request, template, context, section="beneficiaries", status_code=status_code)


def _channels(person: Beneficiary) -> list[str]:
    return sorted({contact.channel for contact in person.contact_points})


@router.get("/beneficiaries/{beneficiary_id}/contacts/new", name="console.record_contact")
async def contact_page(
    request: Request, beneficiary_id: int, session: SessionDep, _staff: StaffPage
) -> HTMLResponse:
    person = await _person(session, beneficiary_id)
    return _page(request, "record_contact.html", person, {"channel": "sms"}, {})


@router.post("/beneficiaries/{beneficiary_id}/contacts/new", name="console.record_contact_submit")
async def add(
    request: Request, beneficiary_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    person = await _person(session, beneficiary_id)
    form = FormReader(await request.form())
    channel = form.choice("channel", ADDABLE_CHANNELS, required=True)
    address = read_address(form, "address", channel or "sms", required=True)
    if channel and address is not None:
        await refuse_if_known(
            session, form, "address", channel=channel, address=address, beneficiary_id=person.id
        )
    if not form.ok or address is None:
        return _page(request, "record_contact.html", person, form.values, form.errors, 422)
    added = await add_checked_contact(
        session, form, "address", person, channel=channel, address=address
    )
    if added is None:
        return _page(request, "record_contact.html", person, form.values, form.errors, 409)
    await record_audit(
        session,
        staff=staff,
        action=audit.ADD_CONTACT,
        beneficiary_id=person.id,
        details={"channel": channel},
    )
    flash(request, Problem(N_("Moyen de contact ajouté.")))
    return see_other(f"/beneficiaries/{person.id}")


@router.get("/beneficiaries/{beneficiary_id}/consent", name="console.record_consent")
async def consent_page(
    request: Request, beneficiary_id: int, session: SessionDep, _staff: StaffPage
) -> HTMLResponse:
    person = await _person(session, beneficiary_id)
    values = {"channel": EVERY_CHANNEL, "decision": "", "source": ""}
    errors = {} if person.contact_points else {"channel": NO_CONTACT}
    return _page(request, "record_consent.html", person, values, errors)


@router.post("/beneficiaries/{beneficiary_id}/consent", name="console.record_consent_submit")
async def change_consent(
    request: Request, beneficiary_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    person = await _person(session, beneficiary_id)
    form = FormReader(await request.form())
    channel = form.choice("channel", [EVERY_CHANNEL, *_channels(person)], required=True)
    if not person.contact_points:
        form.refuse("channel", NO_CONTACT)
    decision = form.choice("decision", DECISIONS, required=True)
    source = form.choice("source", TOLD_STAFF, required=True)
    if not form.ok:
        return _page(request, "record_consent.html", person, form.values, form.errors, 422)
    targets: list[ContactPoint | None] = [None]  # None: every contact of the person
    if channel != EVERY_CHANNEL:
        targets = [c for c in person.contact_points if c.channel == channel]
    changed: list[ContactPoint] = []
    for contact in targets:
        changed += await record_consent(
            session, beneficiary_id=person.id, kind=decision, source=source, contact=contact
        )
    await record_audit(
        session,
        staff=staff,
        action=audit.CONSENT,
        beneficiary_id=person.id,
        details={
            "decision": decision,
            "source": source,
            "channels": sorted({c.channel for c in changed}),
        },
    )
    flash(request, Problem(N_("Consentement enregistré.")))
    return see_other(f"/beneficiaries/{person.id}")
