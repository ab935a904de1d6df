"""Broadcast alerts for staff: audience, preview, send, approve, cancel, follow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast import service
from broadcast.audience import Audience, resolve_audience, summarise_audience
from broadcast.composition import check_texts
from broadcast.followup import broadcast_progress, export_csv, list_replies
from broadcast.organisations import resolve_organisation
from broadcast.preview import preview_texts
from db.base import utcnow
from db.models import Broadcast, StaffMember
from lien.api.broadcast_schemas import (
    AudienceOut,
    AudienceQuery,
    BroadcastIn,
    BroadcastOut,
    DraftPreviewIn,
    PreviewOut,
    ProgressOut,
    ReplyOut,
    SendIn,
    ThresholdIn,
)
from lien.auth import AdminOnly, CurrentStaff, require_role
from lien.deps import RuntimeDep, SessionDep
from lien.wiring import audience_sources

router = APIRouter(prefix="/api/broadcasts", tags=["broadcasts"])
Sender = Annotated[StaffMember, require_role("staff")]
Admin = Annotated[StaffMember, require_role("admin")]


async def caller_organisation_id(session: SessionDep, staff: StaffMember, slug: str | None) -> int:
    """Return the organisation a staff request acts for: their own, or the one an operator names."""
    organisation = await resolve_organisation(
        session, staff_organisation_id=staff.organisation_id, slug=slug
    )
    return organisation.id


async def _resolve(session: SessionDep, staff: StaffMember, body: AudienceQuery) -> Audience:
    """The public a request describes, in the organisation it acts for."""
    return await resolve_audience(
        session,
        organisation_id=await caller_organisation_id(session, staff, body.organisation),
        criteria=body.audience.to_filter(),
        now=utcnow(),
        sources=audience_sources(),
    )


@router.post("/audience", response_model=AudienceOut, summary="Compter et voir un public")
async def audience(body: AudienceQuery, session: SessionDep, staff: CurrentStaff) -> AudienceOut:
    resolved = await _resolve(session, staff, body)
    return AudienceOut.of(await summarise_audience(session, resolved))


@router.post("/preview", response_model=PreviewOut, summary="Aperçu et coût d'un texte")
async def preview_draft(
    body: DraftPreviewIn, session: SessionDep, staff: CurrentStaff, runtime: RuntimeDep
) -> PreviewOut:
    settings = runtime.settings
    texts = check_texts(body.texts)
    resolved = await _resolve(session, staff, body)
    preview = await preview_texts(
        session,
        audience=resolved,
        texts=texts,
        stop_notice=body.stop_notice,
        prices=settings.prices(),
    )
    return PreviewOut.of(preview, settings.price_currency)


@router.post(
    "",
    response_model=BroadcastOut,
    status_code=status.HTTP_201_CREATED,
    summary="Écrire une diffusion (brouillon)",
)
async def create(body: BroadcastIn, session: SessionDep, staff: CurrentStaff) -> BroadcastOut:
    organisation_id = await caller_organisation_id(session, staff, body.organisation)
    created = await service.create_broadcast(
        session, organisation_id=organisation_id, draft=body.to_draft(), created_by=staff.id
    )
    return BroadcastOut.of(created)


@router.get("", response_model=list[BroadcastOut], summary="Diffusions récentes")
async def recent(
    session: SessionDep,
    staff: CurrentStaff,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[BroadcastOut]:
    stmt = select(Broadcast.id).order_by(Broadcast.id.desc()).limit(limit)
    if staff.organisation_id is not None:
        stmt = stmt.where(Broadcast.organisation_id == staff.organisation_id)
    ids = list(await session.scalars(stmt))
    return [BroadcastOut.of(await service.load_broadcast(session, broadcast_id=i)) for i in ids]


@router.get("/{broadcast_id}", response_model=BroadcastOut, summary="Une diffusion")
async def read(broadcast_id: int, session: SessionDep, staff: CurrentStaff) -> BroadcastOut:
    found = await service.load_broadcast(
        session, broadcast_id=broadcast_id, organisation_id=staff.organisation_id
    )
    return BroadcastOut.of(found)


@router.put("/{broadcast_id}", response_model=BroadcastOut, summary="Modifier un brouillon")
async def update(
    broadcast_id: int, body: BroadcastIn, session: SessionDep, staff: CurrentStaff
) -> BroadcastOut:
    changed = await service.update_draft(
        session,
        broadcast_id=broadcast_id,
        draft=body.to_draft(),
        organisation_id=staff.organisation_id,
    )
    return BroadcastOut.of(changed)


@router.get("/{broadcast_id}/preview", response_model=PreviewOut, summary="Aperçu et coût")
async def preview(
    broadcast_id: int, session: SessionDep, staff: CurrentStaff, runtime: RuntimeDep
) -> PreviewOut:
    shown = await service.preview_broadcast(
        session,
        broadcast_id=broadcast_id,
        now=utcnow(),
        prices=runtime.settings.prices(),
        sources=audience_sources(),
        organisation_id=staff.organisation_id,
    )
    return PreviewOut.of(shown, runtime.settings.price_currency)


@router.post("/{broadcast_id}/send", response_model=BroadcastOut, summary="Envoyer")
async def send(
    broadcast_id: int, session: SessionDep, staff: Sender, body: SendIn | None = None
) -> BroadcastOut:
    sent = await service.submit_broadcast(
        session,
        broadcast_id=broadcast_id,
        by=staff.id,
        now=utcnow(),
        sources=audience_sources(),
        organisation_id=staff.organisation_id,
        send_at=body.send_at if body is not None else None,
        confirm_repeat=body.confirm_repeat if body is not None else False,
    )
    return BroadcastOut.of(sent)


async def _decided(
    decision: service.Decision, broadcast_id: int, session: AsyncSession, staff: StaffMember
) -> BroadcastOut:
    """Approve or cancel as the signed-in member; return the broadcast as it now stands."""
    decided = await decision(
        session,
        broadcast_id=broadcast_id,
        by=staff.id,
        now=utcnow(),
        organisation_id=staff.organisation_id,
    )
    return BroadcastOut.of(decided)


@router.post("/{broadcast_id}/approve", response_model=BroadcastOut, summary="Valider")
async def approve(broadcast_id: int, session: SessionDep, staff: AdminOnly) -> BroadcastOut:
    return await _decided(service.approve_broadcast, broadcast_id, session, staff)


@router.post("/{broadcast_id}/cancel", response_model=BroadcastOut, summary="Annuler")
async def cancel(broadcast_id: int, session: SessionDep, staff: Sender) -> BroadcastOut:
    return await _decided(service.cancel_broadcast, broadcast_id, session, staff)


@router.get("/{broadcast_id}/status", response_model=ProgressOut, summary="Suivi en direct")
async def progress(broadcast_id: int, session: SessionDep, staff: CurrentStaff) -> ProgressOut:
    found = await broadcast_progress(
        session, broadcast_id=broadcast_id, organisation_id=staff.organisation_id
    )
    return ProgressOut(
        id=found.broadcast_id,
        status=found.status,
        recipients=found.recipients,
        counts=found.counts,
        replies=found.replies,
    )


@router.get(
    "/{broadcast_id}/recipients.csv",
    response_class=Response,
    summary="Export par destinataire (CSV)",
)
async def export(broadcast_id: int, session: SessionDep, staff: Sender) -> Response:
    await service.load_broadcast(
        session, broadcast_id=broadcast_id, organisation_id=staff.organisation_id
    )
    # A BOM so that Excel reads the accents right.
    parts = ["\ufeff"] + [part async for part in export_csv(session, broadcast_id=broadcast_id)]
    filename = f"diffusion-{broadcast_id}.csv"
    return Response(
        "".join(parts),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/{broadcast_id}/replies", response_model=list[ReplyOut], summary="Réponses reçues")
async def replies(broadcast_id: int, session: SessionDep, staff: CurrentStaff) -> list[ReplyOut]:
    await service.load_broadcast(
        session, broadcast_id=broadcast_id, organisation_id=staff.organisation_id
    )
    found = await list_replies(session, broadcast_id=broadcast_id)
    return [ReplyOut(**vars(reply)) for reply in found]


@router.put("/settings/approval", status_code=status.HTTP_204_NO_CONTENT, summary="Seuil")
async def approval(body: ThresholdIn, session: SessionDep, staff: Admin) -> Response:
    organisation_id = await caller_organisation_id(session, staff, body.organisation)
    await service.set_approval_threshold(session, organisation_id=organisation_id, above=body.above)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
