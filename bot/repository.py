"""The bot domain's queries: each conversation is one row, the engine's state as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation import ConversationState
from bot.engine import next_timeout
from bot.tickets import OPEN_STATUSES
from db.models import Beneficiary, Conversation, TriageTicket
from db.session import insert_ignore


async def lock_person(
    session: AsyncSession, beneficiary_id: int
) -> tuple[Conversation | None, TriageTicket | None]:
    """Return the person's conversation and open ticket, with the person locked till commit.

    Two messages of one person (SMS and Telegram at once) then take turns; one query, as it
    runs for every message.
    """
    row = (
        await session.execute(
            select(Conversation, TriageTicket)
            .select_from(Beneficiary)
            .outerjoin(Conversation, Conversation.beneficiary_id == Beneficiary.id)
            .outerjoin(
                TriageTicket,
                and_(
                    TriageTicket.beneficiary_id == Beneficiary.id,
                    TriageTicket.status.in_(OPEN_STATUSES),
                ),
            )
            .where(Beneficiary.id == beneficiary_id)
            # NO KEY UPDATE, as the gateway's own update of the row: a plain FOR UPDATE would
            # wait for the key-share lock another message's insert holds, while it waits for us.
            .with_for_update(of=Beneficiary, key_share=True)
        )
    ).first()
    return (None, None) if row is None else (row[0], row[1])


async def lock_conversation(session: AsyncSession, beneficiary_id: int) -> Conversation | None:
    """Return the person's conversation, locked so that two messages of theirs take turns."""
    return await session.scalar(
        select(Conversation).where(Conversation.beneficiary_id == beneficiary_id).with_for_update()
    )


async def begin_conversation(
    session: AsyncSession,
    *,
    existing: Conversation | None,
    beneficiary_id: int,
    flow_id: str,
    first_message_id: int | None,
    now: datetime,
) -> Conversation:
    """Return the person's row ready for a new conversation, creating it the first time."""
    if existing is not None:
        existing.flow_id = flow_id
        existing.first_message_id = first_message_id
        existing.started_at = now
        return existing
    await insert_ignore(
        session,
        cast(Table, Conversation.__table__),
        {
            "beneficiary_id": beneficiary_id,
            "flow_id": flow_id,
            "status": "active",
            "state": {},
            "first_message_id": first_message_id,
            "started_at": now,
            "updated_at": now,
        },
    )
    conversation = await lock_conversation(session, beneficiary_id)
    if conversation is None:
        raise RuntimeError("the conversation row vanished while it was being created")
    return conversation


def save_state(
    conversation: Conversation,
    state: ConversationState,
    *,
    contact_point_id: int | None,
    now: datetime,
) -> None:
    """Keep where the conversation stands and when its next timeout falls due."""
    conversation.flow_id = state.flow_id
    conversation.state = state.to_json()
    conversation.status = state.status
    conversation.next_timeout_at = next_timeout(state)
    if contact_point_id is not None:
        conversation.contact_point_id = contact_point_id
    conversation.updated_at = now


def state_of(conversation: Conversation) -> ConversationState | None:
    """Return the stored state, or None when the row holds no usable one."""
    if not conversation.state:
        return None
    try:
        return ConversationState.from_json(conversation.state)
    except ValueError:
        return None
