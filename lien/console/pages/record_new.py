"""Creating a person from the people list: names, language, site, tags and a phone number."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Site
from gateway import audit
from gateway.records import create_beneficiary
from lien.console.audit import record_audit
from lien.console.contact_form import add_checked_contact, read_address, refuse_if_known
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.pages.record_edit import PERSON_LANGUAGES, read_tags
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import SessionDep

router = console_router()
PHONE_CHANNEL = "sms"


async def _sites(session: AsyncSession) -> list[Site]:
    return list((await session.execute(select(Site).order_by(Site.name))).scalars())


def _page(
    request: Request,
    sites: list[Site],
    values: dict[str, Any],
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "sites": sites,
        "person_languages": PERSON_LANGUAGES,
        "values": values,
        "errors": errors,
    }
    return render(
        request, "record_new.html", context, section="beneficiaries", status_code=status_code
    )


@router.get("/beneficiaries/new", name="console.record_new")
async def new_page(request: Request, session: SessionDep, _staff: StaffPage) -> HTMLResponse:
    sites = await _sites(session)
    values = {"language": "fr", "site": sites[0].slug if len(sites) == 1 else ""}
    return _page(request, sites, values, {})


@router.post("/beneficiaries/new", name="console.record_new_submit")
async def create(request: Request, session: SessionDep, staff: StaffPage) -> Response:
    sites = await _sites(session)
    form = FormReader(await request.form())
    first_name = form.text("first_name", max_length=100) or None
    last_name = form.text("last_name", max_length=100) or None
    if first_name is None and last_name is None:
        form.refuse("first_name", Problem(N_("Donnez au moins un prénom ou un nom.")))
    language = form.choice("language", PERSON_LANGUAGES, required=True)
    slug = form.choice("site", [s.slug for s in sites], required=True)
    tags = read_tags(form)
    phone = read_address(form, "phone", PHONE_CHANNEL, required=False)
    if phone is not None:
        await refuse_if_known(session, form, "phone", channel=PHONE_CHANNEL, address=phone)
    if not form.ok:
        return _page(request, sites, form.values, form.errors, 422)
    site = next(s for s in sites if s.slug == slug)
    async with session.begin_nested() as creation:
        person = await create_beneficiary(
            session,
            site=site,
            first_name=first_name,
            last_name=last_name,
            language=language,
            tags=tags,
        )
        if phone is not None:
            await add_checked_contact(
                session, form, "phone", person, channel=PHONE_CHANNEL, address=phone
            )
        if not form.ok:
            await creation.rollback()
    if not form.ok:
        return _page(request, sites, form.values, form.errors, 409)
    await record_audit(session, staff=staff, action=audit.CREATE, beneficiary_id=person.id)
    flash(request, Problem(N_("Fiche créée.")))
    return see_other(f"/beneficiaries/{person.id}")
