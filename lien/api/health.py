"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import func, select, text

from db.models import Message
from gateway import statuses
from lien.deps import RuntimeDep, SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="État du service")
async def healthz(runtime: RuntimeDep, session: SessionDep) -> dict[str, object]:
    await session.execute(text("SELECT 1"))
    return {
        "status": "ok",
        "channels": sorted(runtime.channels),
        "disabled": runtime.disabled,
    }


@router.get("/metrics", response_class=Response, summary="Métriques Prometheus")
async def metrics(session: SessionDep) -> Response:
    counts = await session.execute(
        select(Message.direction, Message.channel, Message.status, func.count())
        .group_by(Message.direction, Message.channel, Message.status)
        .order_by(Message.direction, Message.channel, Message.status)
    )
    lines = [
        "# HELP lien_messages_total Messages by direction, channel and status.",
        "# TYPE lien_messages_total gauge",
    ]
    for direction, channel, state, count in counts.all():
        lines.append(
            f'lien_messages_total{{direction="{direction}",channel="{channel}",'
            f'status="{state}"}} {count}'
        )
    depth = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.direction == "out", Message.status == statuses.QUEUED)
    )
    lines += [
        "# HELP lien_outbox_depth Outgoing messages waiting to be sent.",
        "# TYPE lien_outbox_depth gauge",
        f"lien_outbox_depth {depth or 0}",
    ]
    return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
