"""Broadcasts, written in the browser: the list, the audience builder and the live preview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast import service
from broadcast.audience import resolve_audience, summarise_audience
from broadcast.composition import check_texts
from broadcast.organisations import resolve_organisation
from broadcast.preview import preview_texts
from broadcast.texts import BroadcastError
from db.base import utcnow
from db.models import Broadcast, Organisation, StaffMember
from gateway.encoding import analyze_sms
from lien.console.broadcast_form import (
    EMPTY_FORM,
    MAX_TEXT,
    TEXT_LANGUAGES,
    Choices,
    choices_for,
    read_audience,
    read_draft,
    read_texts,
)
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import RuntimeDep, SessionDep
from lien.wiring import audience_sources

router = console_router()
LIST_SIZE = 50
Slug = Annotated[str, Query(max_length=64)]


def refusal(exc: BroadcastError) -> Problem:
    """Show a refusal of the broadcast domain (already in French) as a console message."""
    return Problem(N_("Diffusion refusée : %(detail)s."), {"detail": str(exc)})


async def organisation_for(
    session: AsyncSession, staff: StaffMember, slug: str | None
) -> Organisation | None:
    """Return the organisation the staff member writes for; None while it must be chosen."""
    try:
        return await resolve_organisation(
            session, staff_organisation_id=staff.organisation_id, slug=slug or None
        )
    except BroadcastError:
        return None


async def choose_organisation(
    request: Request, session: AsyncSession, *, section: str = "broadcasts"
) -> HTMLResponse:
    """Ask which organisation to write for, then come back to this page."""
    every = list(await session.scalars(select(Organisation).order_by(Organisation.name)))
    context = {"organisations": every, "target": request.url.path}
    return render(request, "broadcast_organisation.html", context, section=section)


@router.get("/broadcasts", name="console.broadcasts")
async def broadcasts(
    request: Request, session: SessionDep, staff: StaffPage, organisation: Slug = ""
) -> HTMLResponse:
    found = await organisation_for(session, staff, organisation)
    if found is None:
        return await choose_organisation(request, session)
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.organisation_id == found.id)
        .order_by(Broadcast.id.desc())
        .limit(LIST_SIZE)
    )
    context = {"broadcasts": list(rows), "organisation": found}
    return render(request, "broadcasts.html", context, section="broadcasts")


async def _form_page(
    request: Request,
    session: AsyncSession,
    organisation: Organisation,
    values: dict[str, str],
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "choices": await choices_for(session, organisation_id=organisation.id),
        "organisation": organisation,
        "values": values,
        "errors": errors,
        "max_text": MAX_TEXT,
    }
    return render(
        request, "broadcast_new.html", context, section="broadcasts", status_code=status_code
    )


@router.get("/broadcasts/new", name="console.broadcast_new")
async def new_broadcast(
    request: Request, session: SessionDep, staff: StaffPage, organisation: Slug = ""
) -> HTMLResponse:
    found = await organisation_for(session, staff, organisation)
    if found is None:
        return await choose_organisation(request, session)
    return await _form_page(request, session, found, dict(EMPTY_FORM), {})


async def _posted(
    request: Request, session: AsyncSession, staff: StaffMember
) -> tuple[FormReader, Organisation, Choices] | None:
    """Read a posted form and its organisation's choices; None if it names none of several."""
    form = FormReader(await request.form())
    found = await organisation_for(session, staff, form.text("organisation", max_length=64))
    if found is None:
        return None
    return form, found, await choices_for(session, organisation_id=found.id)


@router.post("/broadcasts/new", name="console.broadcast_create")
async def create(
    request: Request, session: SessionDep, runtime: RuntimeDep, staff: StaffPage
) -> Response:
    posted = await _posted(request, session, staff)
    if posted is None:
        return await choose_organisation(request, session)
    form, organisation, choices = posted
    now = utcnow()
    draft = read_draft(form, choices, timezone=runtime.settings.timezone, now=now)
    if draft is not None:
        try:
            async with session.begin_nested():
                created = await service.create_broadcast(
                    session, organisation_id=organisation.id, draft=draft, created_by=staff.id
                )
        except BroadcastError as exc:
            form.refuse("form", refusal(exc))
        else:
            flash(request, Problem(N_("Brouillon enregistré : vérifiez puis envoyez.")))
            return see_other(f"/broadcasts/{created.id}")
    return await _form_page(request, session, organisation, form.values, form.errors, 422)


async def _live_preview(
    session: AsyncSession,
    runtime: RuntimeDep,
    organisation: Organisation,
    form: FormReader,
    choices: Choices,
) -> dict[str, Any]:
    audience_filter = read_audience(form, choices)
    texts = read_texts(form, required=False)
    stop_notice = form.flag("stop_notice")
    context: dict[str, Any] = {"errors": form.errors, "summary": None, "preview": None}
    if not form.ok:
        return context
    try:
        audience = await resolve_audience(
            session,
            organisation_id=organisation.id,
            criteria=audience_filter,
            now=utcnow(),
            sources=audience_sources(),
        )
        context["summary"] = await summarise_audience(session, audience)
        if texts:
            context["preview"] = await preview_texts(
                session,
                audience=audience,
                texts=check_texts(texts),
                stop_notice=stop_notice,
                prices=runtime.settings.prices(),
            )
    except BroadcastError as exc:
        context["problem"] = refusal(exc)
    context["currency"] = runtime.settings.price_currency
    context["stop_notice"] = stop_notice
    return context


@router.post("/broadcasts/preview", name="console.broadcast_preview")
async def live_preview(
    request: Request, session: SessionDep, runtime: RuntimeDep, staff: StaffPage
) -> HTMLResponse:
    posted = await _posted(request, session, staff)
    if posted is None:
        return render(request, "_broadcast_preview.html", {"summary": None, "preview": None})
    form, organisation, choices = posted
    context = await _live_preview(session, runtime, organisation, form, choices)
    return render(request, "_broadcast_preview.html", context)


@router.post("/broadcasts/suggestion", name="console.broadcast_suggestion")
async def accept_suggestion(request: Request, _staff: StaffPage) -> HTMLResponse:
    """Put the cheaper GSM-7 wording in a text field, only when staff ask for it."""
    form = FormReader(await request.form())
    language = form.choice("lang", TEXT_LANGUAGES, required=True)
    if not form.ok:
        return HTMLResponse(status_code=422)
    current = form.text(f"text_{language}", max_length=MAX_TEXT)
    suggestion = analyze_sms(current).suggestion or current
    context = {"language": language, "values": {f"text_{language}": suggestion}, "errors": {}}
    response = render(request, "_broadcast_text.html", context)
    # The preview refreshes itself once the new wording is in the form (not before the swap).
    response.headers["HX-Trigger-After-Settle"] = "broadcast-text-changed"
    return response
