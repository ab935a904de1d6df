"""Periodic work of the accueil: nudge or close conversations left without an answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation import ConversationState, Step
from bot.directory import Directory
from bot.engine import on_timeout
from bot.flowdef import Flow
from bot.repository import state_of
from bot.service import Turn, step_with_directory
from bot.tickets import PAUSING
from db.models import Beneficiary, Conversation, TriageTicket

BATCH = 200


def _due(now: datetime, batch: int) -> Select[Conversation]:
    # While a person of the team is on it, the conversation waits; it resumes once resolved.
    paused = exists().where(
        TriageTicket.beneficiary_id == Conversation.beneficiary_id,
        TriageTicket.status.in_(PAUSING),
    )
    return (
        select(Conversation)
        .where(
            Conversation.status == "active",
            Conversation.next_timeout_at <= now,
            ~paused,
        )
        .order_by(Conversation.next_timeout_at)
        .limit(batch)
        .with_for_update(skip_locked=True, of=Conversation)
    )


async def run_conversation_timeouts(
    session: AsyncSession,
    now: datetime,
    *,
    flows: Mapping[str, Flow],
    directory: Directory,
    batch: int = BATCH,
) -> int:
    """Nudge or close the conversations whose wait is over; return how many were handled."""
    conversations = list(await session.scalars(_due(now, batch)))
    if not conversations:
        return 0
    ids = [conversation.beneficiary_id for conversation in conversations]
    people = {
        person.id: person
        for person in await session.scalars(select(Beneficiary).where(Beneficiary.id.in_(ids)))
    }
    for conversation in conversations:
        flow = flows.get(conversation.flow_id)
        state = state_of(conversation)
        if flow is None or state is None:
            conversation.status = "ended"
            conversation.next_timeout_at = None
            continue
        person = people[conversation.beneficiary_id]
        step = await step_with_directory(
            session,
            base=directory,
            flow=flow,
            compute=_timed_out(state, now),
            organisation_id=person.organisation_id,
        )
        turn = Turn(session, person, conversation, conversation.contact_point_id, now)
        # The person did not just write: what is said now waits for decent hours.
        await turn.apply(step, respect_quiet_hours=True)
    return len(conversations)


def _timed_out(state: ConversationState, now: datetime) -> Callable[[Flow, Directory], Step]:
    return lambda flow, directory: on_timeout(flow, state, now=now, directory=directory)
