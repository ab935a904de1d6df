"""The outbox's health for staff: the same figures as `lien outbox check`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from db.base import utcnow
from gateway.outbox_health import StuckRules, outbox_health
from lien.auth import CurrentStaff
from lien.deps import SessionDep

router = APIRouter(prefix="/api/outbox", tags=["outbox"])


class StuckOut(BaseModel):
    id: int
    channel: str
    status: str
    kind: str
    since: datetime
    provider_id: str | None
    reason: str | None


class PausedOut(BaseModel):
    channel: str
    until: datetime
    reason: str | None


class OutboxHealthOut(BaseModel):
    at: datetime
    healthy: bool
    stuck_total: int
    counts: dict[str, dict[str, int]]
    stuck_counts: dict[str, dict[str, int]]
    stuck: list[StuckOut]
    paused: list[PausedOut]


@router.get("/health", response_model=OutboxHealthOut, summary="Messages sortants bloqués")
async def health(
    session: SessionDep,
    _staff: CurrentStaff,
    queued_minutes: Annotated[float, Query(gt=0, le=100_000)] = 30,
    lease_minutes: Annotated[float, Query(gt=0, le=100_000)] = 1,
    unknown_hours: Annotated[float, Query(gt=0, le=10_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> OutboxHealthOut:
    rules = StuckRules(
        queued_late=timedelta(minutes=queued_minutes),
        lease_grace=timedelta(minutes=lease_minutes),
        unknown_after=timedelta(hours=unknown_hours),
    )
    found = await outbox_health(session, now=utcnow(), rules=rules, limit=limit)
    return OutboxHealthOut(
        at=found.at,
        healthy=found.stuck_total == 0,
        stuck_total=found.stuck_total,
        counts=found.counts,
        stuck_counts=found.stuck_counts,
        stuck=[StuckOut(**vars(item)) for item in found.stuck],
        paused=[PausedOut(**vars(item)) for item in found.paused],
    )
