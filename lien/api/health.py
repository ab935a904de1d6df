"""Liveness and Prometheus metrics."""

from __future__ import annotations

import os

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
    multiprocess,
)
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
    # The counters were kept as messages were written; only the queue's depth is read now, from
    # the index on status, so a scrape costs one small query however many messages there are.
    depth = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.direction == "out", Message.status == statuses.QUEUED)
    )
    queue = CollectorRegistry()
    Gauge("lien_outbox_depth", "Outgoing messages waiting to be sent.", registry=queue).set(
        depth or 0
    )
    body = generate_latest(_counters()) + generate_latest(queue)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _counters() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    shared = CollectorRegistry()
    multiprocess.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
    return shared
