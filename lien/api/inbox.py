"""Messages no automation took: the staff inbox, so nothing a person writes is lost."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from db.models import Message
from gateway.inbound import INBOX
from lien.auth import CurrentStaff
from lien.deps import SessionDep

router = APIRouter(prefix="/api/inbox", tags=["inbox"])


class InboxItem(BaseModel):
    id: int
    beneficiary_id: int
    channel: str
    body: str | None
    received_at: datetime


@router.get("", response_model=list[InboxItem], summary="Messages à traiter par l'équipe")
async def inbox(
    session: SessionDep,
    _staff: CurrentStaff,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InboxItem]:
    rows = await session.execute(
        select(Message)
        .where(Message.direction == "in", Message.handled_by == INBOX)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return [
        InboxItem(
            id=m.id,
            beneficiary_id=m.beneficiary_id,
            channel=m.channel,
            body=m.body,
            received_at=m.created_at,
        )
        for m in rows.scalars()
    ]
