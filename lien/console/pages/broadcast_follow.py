"""A broadcast once written: check it, send it, approve it, follow it live, cancel it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast import service
from broadcast.followup import broadcast_progress, export_csv
from broadcast.texts import BroadcastError, NotFound
from db.base import utcnow
from db.models import Broadcast, StaffMember
from lien.console.broadcast_form import read_moment
from lien.console.broadcast_view import (
    SHOWN_BUCKETS,
    failure_reasons,
    progress_version,
    replies_with_tickets,
    staff_names,
)
from lien.console.errors import PageNotFound
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem, request_language
from lien.console.pages.broadcasts import refusal
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render, render_polled
from lien.deps import RuntimeDep, SessionDep
from lien.wiring import audience_sources

router = console_router()
TWIN_CONFIRM = Problem(N_("Cochez la case pour confirmer l'envoi du même texte au même public."))


async def broadcast_or_404(
    session: AsyncSession, staff: StaffMember, broadcast_id: int
) -> Broadcast:
    try:
        return await service.load_broadcast(
            session, broadcast_id=broadcast_id, organisation_id=staff.organisation_id
        )
    except NotFound as exc:
        raise PageNotFound from exc


async def _progress_context(session: AsyncSession, broadcast: Broadcast) -> dict[str, Any]:
    progress = await broadcast_progress(session, broadcast_id=broadcast.id)
    return {
        "broadcast": broadcast,
        "progress": progress,
        "buckets": SHOWN_BUCKETS,
        "live": progress.status in (service.SCHEDULED, service.SENDING),
        "version": progress_version(progress.status, progress.counts, progress.replies),
        "reasons": await failure_reasons(session, broadcast_id=broadcast.id),
        "replies": await replies_with_tickets(session, broadcast_id=broadcast.id),
    }


@router.get("/broadcasts/{broadcast_id}", name="console.broadcast")
async def broadcast_page(
    request: Request,
    broadcast_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffPage,
) -> HTMLResponse:
    return await _page(request, session, runtime, staff, broadcast_id, {})


async def _page(
    request: Request,
    session: AsyncSession,
    runtime: RuntimeDep,
    staff: StaffMember,
    broadcast_id: int,
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    broadcast = await broadcast_or_404(session, staff, broadcast_id)
    now = utcnow()
    context = await _progress_context(session, broadcast)
    preview = None
    if broadcast.status == service.DRAFT:
        try:
            preview = await service.preview_broadcast(
                session,
                broadcast_id=broadcast.id,
                now=now,
                prices=runtime.settings.prices(),
                sources=audience_sources(),
            )
        except BroadcastError as exc:
            errors = {"form": refusal(exc), **errors}
    context.update(
        {
            "preview": preview,
            "currency": runtime.settings.price_currency,
            "twin": await service.repeat_of(session, broadcast, now=now, sources=audience_sources())
            if broadcast.status == service.DRAFT
            else None,
            "names": await staff_names(session, broadcast),
            "threshold": await service.approval_threshold(
                session, organisation_id=broadcast.organisation_id
            ),
            "errors": errors,
            "values": {},
            "is_author": broadcast.created_by == staff.id,
        }
    )
    return render(request, "broadcast.html", context, section="broadcasts", status_code=status_code)


@router.get("/broadcasts/{broadcast_id}/progress", name="console.broadcast_progress")
async def progress_rows(
    request: Request, broadcast_id: int, session: SessionDep, staff: StaffPage
) -> Response:
    broadcast = await broadcast_or_404(session, staff, broadcast_id)
    context = await _progress_context(session, broadcast)
    return render_polled(request, "_broadcast_progress.html", context)


Action = Callable[[AsyncSession, Broadcast, StaffMember], Awaitable[Problem]]


async def _act(
    request: Request,
    session: AsyncSession,
    runtime: RuntimeDep,
    staff: StaffMember,
    broadcast_id: int,
    action: Action,
) -> Response:
    broadcast = await broadcast_or_404(session, staff, broadcast_id)
    try:
        async with session.begin_nested():
            done = await action(session, broadcast, staff)
    except BroadcastError as exc:
        return await _page(
            request, session, runtime, staff, broadcast_id, {"form": refusal(exc)}, 409
        )
    flash(request, done)
    return see_other(f"/broadcasts/{broadcast_id}")


@router.post("/broadcasts/{broadcast_id}/send", name="console.broadcast_send")
async def send(
    request: Request,
    broadcast_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffPage,
) -> Response:
    form = FormReader(await request.form())
    now = utcnow()
    send_at = read_moment(form, "send_at", timezone=runtime.settings.timezone, now=now)
    broadcast = await broadcast_or_404(session, staff, broadcast_id)
    twin = await service.repeat_of(session, broadcast, now=now, sources=audience_sources())
    confirmed = form.flag("confirm_twin")
    if twin is not None and not confirmed:
        form.refuse("confirm_twin", TWIN_CONFIRM)
    if not form.ok:
        return await _page(request, session, runtime, staff, broadcast_id, form.errors, 422)

    async def submit(session: AsyncSession, broadcast: Broadcast, staff: StaffMember) -> Problem:
        sent = await service.submit_broadcast(
            session,
            broadcast_id=broadcast.id,
            by=staff.id,
            now=now,
            sources=audience_sources(),
            organisation_id=staff.organisation_id,
            send_at=send_at,
            confirm_repeat=confirmed,
        )
        if sent.status == service.PENDING_APPROVAL:
            return Problem(N_("Envoi demandé : une autre personne de l'équipe doit le valider."))
        if send_at is not None:
            return Problem(N_("Envoi programmé."))
        return Problem(N_("Envoi lancé."))

    return await _act(request, session, runtime, staff, broadcast_id, submit)


def _decide(decision: service.Decision, said: Problem) -> Action:
    """An approval or a cancellation, by the signed-in member, said in words once done."""

    async def decide(session: AsyncSession, broadcast: Broadcast, staff: StaffMember) -> Problem:
        await decision(
            session,
            broadcast_id=broadcast.id,
            by=staff.id,
            now=utcnow(),
            organisation_id=staff.organisation_id,
        )
        return said

    return decide


@router.post("/broadcasts/{broadcast_id}/approve", name="console.broadcast_approve")
async def approve(
    request: Request,
    broadcast_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffPage,
) -> Response:
    validated = Problem(N_("Diffusion validée."))
    return await _act(
        request,
        session,
        runtime,
        staff,
        broadcast_id,
        _decide(service.approve_broadcast, validated),
    )


@router.post("/broadcasts/{broadcast_id}/cancel", name="console.broadcast_cancel")
async def cancel(
    request: Request,
    broadcast_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffPage,
) -> Response:
    cancelled = Problem(N_("Diffusion annulée : ce qui n'était pas parti ne partira pas."))
    cancellation = _decide(service.cancel_broadcast, cancelled)
    return await _act(request, session, runtime, staff, broadcast_id, cancellation)


@router.get("/broadcasts/{broadcast_id}/recipients.csv", name="console.broadcast_export")
async def export(
    request: Request,
    broadcast_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffPage,
) -> Response:
    broadcast = await broadcast_or_404(session, staff, broadcast_id)
    parts = [
        part
        async for part in export_csv(
            session,
            broadcast_id=broadcast.id,
            language=request_language(request),
            timezone=runtime.settings.timezone,
        )
    ]
    # A BOM so that Excel reads the accents right.
    return Response(
        "\ufeff" + "".join(parts),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="diffusion-{broadcast.id}.csv"',
            "Cache-Control": "no-store",
        },
    )
