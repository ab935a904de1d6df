"""Consent per channel: the current state of each contact and the proof of every change."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import InvalidError, NotFoundError
from db.models import Beneficiary, ContactPoint
from gateway.audit import CONSENT, VIEW_CONSENT, record_audit
from gateway.consent import STAFF, TOLD_STAFF, consent_history, consent_state, record_consent
from lien.auth import CurrentStaff, StaffOnly
from lien.deps import SessionDep

router = APIRouter(prefix="/api/beneficiaries", tags=["consent"])


class ChannelConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    contact_point_id: int
    channel: str
    address: str
    opted_in: bool
    since: datetime | None
    source: str | None


class ConsentEventOut(BaseModel):
    at: datetime
    channel: str
    decision: str
    source: str
    detail: str | None


class ConsentOut(BaseModel):
    channels: list[ChannelConsentOut]
    history: list[ConsentEventOut]


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["opt_in", "opt_out"]
    channel: str | None = Field(
        None, pattern=r"^(sms|telegram|simulator)$", description="un canal ; tous sinon"
    )
    source: str | None = Field(
        None,
        description="comment la personne l'a dit : "
        + ", ".join(TOLD_STAFF)
        + " (comme la console)",
    )

    @field_validator("source")
    @classmethod
    def _told_staff(cls, value: str | None) -> str | None:
        # The same sources as the console's consent form: one definition in gateway.consent.
        if value is not None and value not in TOLD_STAFF:
            raise ValueError("source inconnue : " + ", ".join(TOLD_STAFF))
        return value


async def _person(session: AsyncSession, beneficiary_id: int) -> Beneficiary:
    person = await session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFoundError("bénéficiaire introuvable")
    return person


async def _consent(session: AsyncSession, beneficiary_id: int) -> ConsentOut:
    states = await consent_state(session, beneficiary_id)
    history = await consent_history(session, beneficiary_id)
    return ConsentOut(
        channels=[ChannelConsentOut.model_validate(s) for s in states],
        history=[
            ConsentEventOut(
                at=e.created_at,
                channel=e.channel,
                decision=e.kind,
                source=e.source,
                detail=e.detail,
            )
            for e in history
        ],
    )


@router.get(
    "/{beneficiary_id}/consent",
    response_model=ConsentOut,
    summary="Consentement : état par canal et historique",
)
async def read_consent(beneficiary_id: int, session: SessionDep, staff: CurrentStaff) -> ConsentOut:
    await _person(session, beneficiary_id)
    record_audit(session, staff_id=staff.id, action=VIEW_CONSENT, beneficiary_id=beneficiary_id)
    return await _consent(session, beneficiary_id)


@router.post(
    "/{beneficiary_id}/consent",
    response_model=ConsentOut,
    summary="Enregistrer un accord ou un refus exprimé auprès de l'équipe",
)
async def change_consent(
    beneficiary_id: int, body: ConsentIn, session: SessionDep, staff: StaffOnly
) -> ConsentOut:
    await _person(session, beneficiary_id)
    targets: list[ContactPoint | None] = [None]  # None: every contact of the person
    if body.channel is not None:
        found = await session.scalars(
            select(ContactPoint).where(
                ContactPoint.beneficiary_id == beneficiary_id, ContactPoint.channel == body.channel
            )
        )
        targets = list(found)
        if not targets:
            raise InvalidError(f"aucun moyen de contact sur le canal {body.channel}")
    changed: list[ContactPoint] = []
    for contact in targets:
        changed += await record_consent(
            session,
            beneficiary_id=beneficiary_id,
            kind=body.decision,
            source=body.source or STAFF,
            contact=contact,
            detail=f"staff:{staff.id}",
        )
    record_audit(
        session,
        staff_id=staff.id,
        action=CONSENT,
        beneficiary_id=beneficiary_id,
        details={"decision": body.decision, "channels": sorted({c.channel for c in changed})},
    )
    return await _consent(session, beneficiary_id)
