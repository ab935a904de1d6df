"""Write as a beneficiary through the simulator channel and see the answers."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.ext.asyncio import AsyncSession

from db.scope import Scope, scope_of, set_scope
from gateway.channels.base import InboundMessage
from lien.api.schemas import SimulatorIn, SimulatorOut, SimulatorReply
from lien.auth import CurrentStaff
from lien.deps import RuntimeDep, SessionDep
from lien.runtime import ReceiveSummary, Runtime


async def simulate(
    runtime: Runtime, session: AsyncSession, *, sender: str, text: str
) -> ReceiveSummary:
    """Receive a simulated message as if a person had sent it, and return the answers."""
    scope = scope_of(session)
    if scope is not None:
        # The simulated person writes to the whole association, not to one volunteer's tickets.
        set_scope(session, Scope(scope.organisation_id))
    inbound = InboundMessage(
        channel="simulator", address=sender, text=text, provider_id="sim-" + secrets.token_hex(8)
    )
    summary = await runtime.receive_in(session, inbound)
    if summary is None:  # a fresh random id cannot repeat
        raise RuntimeError("simulated message seen twice")
    return summary


router = APIRouter(prefix="/api/simulator", tags=["simulator"])


@router.post("/messages", response_model=SimulatorOut, summary="Simuler un message reçu")
async def post_message(
    body: SimulatorIn, runtime: RuntimeDep, session: SessionDep, staff: CurrentStaff
) -> SimulatorOut:
    if staff.role == "volunteer" and runtime.settings.environment != "demo":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="le simulateur n'est ouvert aux bénévoles qu'en démo"
        )
    try:
        summary = await simulate(runtime, session, sender=body.sender, text=body.text)
    except ValueError as exc:  # an invalid phone number, or an address no column can hold
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    return SimulatorOut(
        beneficiary_id=summary.beneficiary_id,
        handled_by=summary.handled_by,
        replies=[
            SimulatorReply(id=r.message_id, text=r.text, choices=r.choices) for r in summary.replies
        ],
    )
