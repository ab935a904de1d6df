"""Write as a beneficiary through the simulator channel and see the answers."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import ConflictError, ForbiddenError, InvalidError, LienError, NotFoundError
from db.models import ContactPoint
from db.scope import Scope, scope_of, set_scope
from gateway.audit import record_audit
from gateway.channels.base import InboundMessage, MediaRef
from gateway.channels.simulator import SimulatorChannel
from gateway.records import normalize_address
from lien.api.schemas import SimulatorIn, SimulatorOut, SimulatorReply
from lien.auth import CurrentStaff
from lien.deps import RuntimeDep, SessionDep
from lien.runtime import ReceiveSummary, Runtime

SIMULATOR = "simulator"
DISABLED = (
    "simulateur désactivé : actif en démonstration, ailleurs avec LIEN_SIMULATOR_ENABLED=true"
)
SIMULATED = "simulator.message"
REAL_PERSON = (
    "ce numéro du simulateur appartient à une fiche qui a un vrai contact (SMS ou Telegram) : "
    "le simulateur n'écrit jamais au nom d'une personne réelle"
)


class SimulatorRefused(ConflictError):
    """The simulator would act for a real person."""

    code = "simulator_refused"


async def _refuse_real_person(session: AsyncSession, sender: str) -> None:
    """Refuse a simulator address whose record also has a real channel."""
    canonical = normalize_address(SIMULATOR, sender)
    holder = select(ContactPoint.beneficiary_id).where(
        ContactPoint.channel == SIMULATOR, ContactPoint.address == canonical
    )
    real = await session.scalar(
        select(ContactPoint.id)
        .where(ContactPoint.beneficiary_id.in_(holder), ContactPoint.channel != SIMULATOR)
        .limit(1)
    )
    if real is not None:
        raise SimulatorRefused(REAL_PERSON)


async def simulate(
    runtime: Runtime,
    session: AsyncSession,
    *,
    sender: str,
    text: str,
    staff_id: int | None = None,
    files: Sequence[tuple[bytes, str | None]] = (),
) -> ReceiveSummary:
    """Receive a simulated message as if a person had sent it, and return the answers.

    Never for a record with a real contact; each use is audited with who made it. Its files
    (content, declared type) are held by the simulator channel and fetched in the background,
    as an MMS's are.
    """
    channel = runtime.channels.get(SIMULATOR)
    simulator = channel if isinstance(channel, SimulatorChannel) else None
    media: tuple[MediaRef, ...] = ()
    # Held before the first query, which opens the transaction the message is written in.
    if files and simulator is not None:
        media = tuple([await simulator.hold(data, declared) for data, declared in files])
    try:
        await _refuse_real_person(session, sender)
    except SimulatorRefused:
        if simulator is not None:
            for ref in media:
                await simulator.release(ref.reference)
        raise
    scope = scope_of(session)
    if scope is not None:
        # The simulated person writes to the whole association, not to one volunteer's tickets.
        set_scope(session, Scope(scope.organisation_id))
    inbound = InboundMessage(
        channel="simulator",
        address=sender,
        text=text,
        provider_id="sim-" + secrets.token_hex(8),
        media=media,
    )
    summary = await runtime.receive_in(session, inbound)
    if summary is None:  # a fresh random id cannot repeat
        raise RuntimeError("simulated message seen twice")
    record_audit(
        session,
        staff_id=staff_id,
        action=SIMULATED,
        beneficiary_id=summary.beneficiary_id,
        details={"handled_by": summary.handled_by},
    )
    return summary


router = APIRouter(prefix="/api/simulator", tags=["simulator"])


@router.post("/messages", response_model=SimulatorOut, summary="Simuler un message reçu")
async def post_message(
    body: SimulatorIn, runtime: RuntimeDep, session: SessionDep, staff: CurrentStaff
) -> SimulatorOut:
    if not runtime.settings.simulator_on:
        raise NotFoundError(DISABLED)
    if staff.role == "volunteer" and runtime.settings.environment != "demo":
        raise ForbiddenError("le simulateur n'est ouvert aux bénévoles qu'en démo")
    try:
        summary = await simulate(
            runtime, session, sender=body.sender, text=body.text, staff_id=staff.id
        )
    except LienError:
        raise
    except ValueError as exc:  # an address no column can hold
        raise InvalidError(str(exc)) from exc
    return SimulatorOut(
        beneficiary_id=summary.beneficiary_id,
        handled_by=summary.handled_by,
        replies=[
            SimulatorReply(id=r.message_id, text=r.text, choices=r.choices) for r in summary.replies
        ],
    )
