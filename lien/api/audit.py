"""The audit trail, for admins: who viewed, exported, edited or erased which record, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from gateway.audit import audit_events
from lien.auth import AdminOnly
from lien.deps import SessionDep

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: datetime
    staff_member_id: int | None
    action: str
    beneficiary_id: int | None
    details: dict[str, Any]


@router.get("", response_model=list[AuditOut], summary="Journal des accès aux données")
async def read_audit(
    session: SessionDep,
    _admin: AdminOnly,
    beneficiary_id: int | None = None,
    staff_id: int | None = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditOut]:
    events = await audit_events(
        session,
        beneficiary_id=beneficiary_id,
        staff_id=staff_id,
        action=action,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return [
        AuditOut(
            id=e.id,
            at=e.created_at,
            staff_member_id=e.staff_member_id,
            action=e.action,
            beneficiary_id=e.beneficiary_id,
            details=e.details,
        )
        for e in events
    ]
