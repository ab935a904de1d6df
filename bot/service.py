"""Turn an engine step into what it means for Lien: messages, the record, tickets, the state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation import (
    AddTag,
    Effect,
    Handoff,
    OpenTicket,
    Output,
    SendDirectory,
    SetField,
    SetLanguage,
    Step,
)
from bot.directory import Directory
from bot.directory_store import layered, load_edits
from bot.flowdef import Flow
from bot.repository import save_state
from bot.tickets import add_directory_entries, open_or_join, open_ticket_of
from bot.translation_store import flow_for
from bot.triage import Priority as Urgency
from db.models import Beneficiary, BeneficiaryTag, Conversation, TriageTicket
from db.session import insert_ignore
from gateway.channels.base import Choice
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, Priority, queue_messages

# Answers saved on the record under their own column rather than in `fields`.
FIRST_NAME = "first_name"
FIRST_NAME_LENGTH = 100
TAG_LENGTH = 64

log = logging.getLogger(__name__)


def gateway_choices(output: Output) -> tuple[Choice, ...]:
    """Return the step's choices as the outbox takes them (buttons or numbered SMS lines)."""
    return tuple(Choice(choice.key, choice.label) for choice in output.choices)


@dataclass
class Turn:
    """One step being applied for one person: who, through which of their contacts, and when."""

    session: AsyncSession
    person: Beneficiary
    conversation: Conversation
    contact_point_id: int | None
    now: datetime
    ticket: TriageTicket | None = None

    async def apply(self, step: Step, *, respect_quiet_hours: bool = False) -> list[int]:
        """Queue the step's messages, apply its effects, store the state; return the message ids."""
        queued = await self._queue(step, respect_quiet_hours=respect_quiet_hours)
        for effect in step.effects:
            await self._effect(effect, step)
        save_state(
            self.conversation, step.state, contact_point_id=self.contact_point_id, now=self.now
        )
        return queued

    async def _queue(self, step: Step, *, respect_quiet_hours: bool) -> list[int]:
        if not step.outputs:
            return []
        # One call for the whole step: a step often says two or three things in a row.
        results = await queue_messages(
            self.session,
            [
                OutgoingMessage(
                    beneficiary_id=self.person.id,
                    contact_point_id=self.contact_point_id,
                    text=output.text,
                    choices=gateway_choices(output),
                    origin=Origin("flow", step.state.flow_id),
                    priority=Priority.CONVERSATION,
                    respect_quiet_hours=respect_quiet_hours,
                )
                for output in step.outputs
            ],
        )
        for result in results:
            if result.message_id is None:
                log.info("flow message not queued", extra={"reason": result.skipped})
        return [result.message_id for result in results if result.message_id is not None]

    async def _effect(self, effect: Effect, step: Step) -> None:
        if isinstance(effect, SetField):
            self._set_field(effect.name, effect.value)
        elif isinstance(effect, SetLanguage):
            self.person.language = effect.language
        elif isinstance(effect, AddTag):
            await add_tag(self.session, beneficiary_id=self.person.id, tag=effect.tag)
        elif isinstance(effect, OpenTicket):
            await self._ticket(effect.need, effect.priority, source="flow")
        elif isinstance(effect, Handoff):
            need = step.state.fields.get("need")
            await self._ticket(need, step.state.priority, source="handoff", reason=effect.reason)
        elif isinstance(effect, SendDirectory):
            ticket = self.ticket or await open_ticket_of(self.session, self.person.id)
            if ticket is not None:
                add_directory_entries(ticket, effect.entry_ids)
        # End needs nothing more: the stored state says the conversation is over.

    def _set_field(self, name: str, value: str) -> None:
        if name == FIRST_NAME:
            self.person.first_name = value[:FIRST_NAME_LENGTH] or self.person.first_name
            return
        # A new dict, so that the JSON column is seen as changed.
        self.person.fields = {**self.person.fields, name: value}

    async def _ticket(
        self, need: str | None, priority: Urgency, *, source: str, reason: str | None = None
    ) -> None:
        self.ticket, _created = await open_or_join(
            self.session,
            person=self.person,
            need=need,
            priority=priority,
            source=source,
            reason=reason,
            contact_point_id=self.contact_point_id,
            first_message_id=self.conversation.first_message_id,
            now=self.now,
        )


async def add_tag(session: AsyncSession, *, beneficiary_id: int, tag: str) -> None:
    """Tag the person unless they already carry the tag."""
    await insert_ignore(
        session,
        cast(Table, BeneficiaryTag.__table__),
        {"beneficiary_id": beneficiary_id, "tag": tag.strip().lower()[:TAG_LENGTH]},
    )


async def step_with_directory(
    session: AsyncSession,
    *,
    base: Directory,
    flow: Flow,
    compute: Callable[[Flow, Directory], Step],
    organisation_id: int,
) -> Step:
    """Compute a step with the organisation's own texts and, when it sends entries, directory."""
    # The one place a flow meets an association: its translations replace the file's texts.
    flow = await flow_for(session, flow, organisation_id=organisation_id)
    step = compute(flow, base)
    # The engine is pure, so a step that sends entries can be computed again over the edited
    # directory; the many steps that never read it spare the query.
    if any(isinstance(effect, SendDirectory) for effect in step.effects):
        edits = await load_edits(session, organisation_id=organisation_id)
        if edits:
            step = compute(flow, layered(base, edits))
    return step
