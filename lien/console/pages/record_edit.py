"""Editing a beneficiary's profile, each change kept in the audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Site
from gateway.outbox import CHANNEL_PREFERENCE
from gateway.records import get_beneficiary, set_tags
from gateway.tags import fold_tags
from lien.console.audit import changes, record_audit
from lien.console.errors import PageNotFound
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import SessionDep

router = console_router()

# The languages of the people the associations meet most; the record keeps any ISO code.
PERSON_LANGUAGES = (
    "fr", "en", "ar", "ti", "fa", "ps", "so", "am", "es", "pt", "ru", "uk", "tr", "sq",
    "ka", "ro", "bn", "ur", "wo", "ln",
)  # fmt: skip
MAX_TAGS = 50
MAX_TAG_LENGTH = 64


def _profile(person: Beneficiary, site_slug: str) -> dict[str, Any]:
    return {
        "first_name": person.first_name or "",
        "last_name": person.last_name or "",
        "language": person.language,
        "site": site_slug,
        "preferred_channel": person.preferred_channel or "",
        "tags": ", ".join(t.tag for t in person.tags),
    }


async def _load(session: AsyncSession, beneficiary_id: int) -> tuple[Beneficiary, list[Site]]:
    person = await get_beneficiary(session, beneficiary_id)
    if person is None:
        raise PageNotFound
    sites = list((await session.execute(select(Site).order_by(Site.name))).scalars())
    return person, sites


def _site_slug(person: Beneficiary, sites: list[Site]) -> str:
    return next((s.slug for s in sites if s.id == person.site_id), "")


def _context(
    person: Beneficiary, sites: list[Site], values: dict[str, Any], errors: dict[str, Problem]
) -> dict[str, Any]:
    languages = list(PERSON_LANGUAGES)
    if person.language not in languages:
        languages.insert(0, person.language)
    return {
        "person": person,
        "sites": sites,
        "person_languages": languages,
        "channels": CHANNEL_PREFERENCE,
        "values": values,
        "errors": errors,
    }


@router.get("/beneficiaries/{beneficiary_id}/edit", name="console.record_edit")
async def edit_page(
    request: Request, beneficiary_id: int, session: SessionDep, _staff: StaffPage
) -> HTMLResponse:
    person, sites = await _load(session, beneficiary_id)
    values = _profile(person, _site_slug(person, sites))
    return render(
        request, "record_edit.html", _context(person, sites, values, {}), section="beneficiaries"
    )


def read_tags(form: FormReader) -> list[str]:
    raw = form.text("tags", max_length=MAX_TAGS * (MAX_TAG_LENGTH + 2))
    tags = sorted(set(fold_tags(raw.split(","))))
    if len(tags) > MAX_TAGS:
        form.refuse("tags", Problem(N_("%(limit)s étiquettes au plus."), {"limit": MAX_TAGS}))
    if any(len(t) > MAX_TAG_LENGTH for t in tags):
        form.refuse(
            "tags",
            Problem(
                N_("Chaque étiquette fait %(limit)s caractères au plus."), {"limit": MAX_TAG_LENGTH}
            ),
        )
    return tags


@router.post("/beneficiaries/{beneficiary_id}/edit", name="console.record_edit_submit")
async def edit_submit(
    request: Request, beneficiary_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    person, sites = await _load(session, beneficiary_id)
    form = FormReader(await request.form())
    languages = _context(person, sites, {}, {})["person_languages"]
    first_name = form.text("first_name", max_length=100) or None
    last_name = form.text("last_name", max_length=100) or None
    language = form.choice("language", languages, required=True)
    site = form.choice("site", [s.slug for s in sites], required=True)
    preferred_channel = form.choice("preferred_channel", CHANNEL_PREFERENCE) or None
    tags = read_tags(form)
    if not form.ok:
        context = _context(person, sites, form.values, form.errors)
        return render(
            request, "record_edit.html", context, section="beneficiaries", status_code=422
        )
    before = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "language": person.language,
        "site": _site_slug(person, sites),
        "preferred_channel": person.preferred_channel,
        "tags": [t.tag for t in person.tags],
    }
    after = {
        "first_name": first_name,
        "last_name": last_name,
        "language": language,
        "site": site,
        "preferred_channel": preferred_channel,
        "tags": tags,
    }
    changed = changes(before, after)
    if not changed:
        flash(request, Problem(N_("Aucune modification.")))
        return see_other(f"/beneficiaries/{beneficiary_id}")
    person.first_name, person.last_name = first_name, last_name
    person.language, person.preferred_channel = language, preferred_channel
    person.site_id = next(s.id for s in sites if s.slug == site)
    if "tags" in changed:
        await set_tags(session, person, tags)
    await record_audit(
        session,
        staff=staff,
        action="beneficiary.update",
        beneficiary_id=beneficiary_id,
        details={"changes": changed},
    )
    flash(request, Problem(N_("Fiche mise à jour.")))
    return see_other(f"/beneficiaries/{beneficiary_id}")
