"""The accueil's inbound handler: staff first, then the conversation, else the triage queue.

Every message it is offered is taken, and answered unless a person of the team is on it:
- the person has a ticket in progress or waiting for them: the message joins it, no automation;
- a ticket of theirs was resolved lately and nothing urgent is said (a thank-you): the message
  joins that ticket, unanswered, and the conversation that led to it ends;
- a conversation is under way: it moves on;
- /start, a MENU or LANGUE word, or the first message of someone new: a conversation starts;
- anything else opens or joins a ticket, acknowledged with the reception's opening hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.alarm import answer_language, fresh_signals, raise_ticket
from bot.conversation import ConversationOver, Step
from bot.directory import Directory
from bot.engine import advance, flow_text, start
from bot.flowdef import Flow
from bot.matching import says_word
from bot.repository import begin_conversation, lock_person, state_of
from bot.service import FIRST_NAME, Turn, step_with_directory
from bot.tickets import (
    PAUSING,
    attach_message,
    note_after_resolution,
    open_or_join,
    recently_resolved,
)
from bot.translation_store import flow_for
from bot.urgency import Lexicon, Signal, shipped_lexicon
from db.base import utcnow
from db.models import Conversation, Site, TriageTicket
from gateway.exchange import Origin
from gateway.inbound import InboundContext
from gateway.keywords import is_bot_start

ACCUEIL = "accueil"
OUT_OF_FLOW = "out_of_flow"
OUT_OF_FLOW_HOURS = "out_of_flow_hours"
# Site.info key of the reception's opening hours, as staff write them.
OPENING_HOURS = "opening_hours"
# The origin of the emergency numbers sent when a message speaks of danger.
URGENCY_ORIGIN = "urgency"
# Someone writing several messages in a row gets one acknowledgement, not one each.
ACKNOWLEDGE_AGAIN_AFTER = timedelta(hours=2)
# The language every new record gets when the channel tells nothing better.
DEFAULT_LANGUAGE = "fr"


@dataclass(frozen=True)
class Accueil:
    """The accueil flow and the directory it sends, as loaded at startup."""

    flows: Mapping[str, Flow]
    directory: Directory
    flow_id: str = ACCUEIL
    lexicon: Lexicon = field(default_factory=shipped_lexicon)

    @property
    def flow(self) -> Flow:
        """Return the flow a new conversation follows."""
        return self.flows[self.flow_id]

    async def handle(self, ctx: InboundContext) -> bool:
        """Take every message: for the team, the conversation, or the queue with an answer."""
        now = utcnow()
        conversation, ticket = await lock_person(ctx.session, ctx.person.id)
        signals = self.lexicon.hear(ctx.text)
        if signals:
            await self._alarm(ctx, fresh_signals(ticket, signals, now=now))
        if signals or not await self._after_resolution(ctx, conversation, ticket, now):
            await self._route(ctx, conversation, ticket, now)
        if signals:
            await self._raise(ctx, signals, now)
        return True

    async def _route(
        self,
        ctx: InboundContext,
        conversation: Conversation | None,
        ticket: TriageTicket | None,
        now: datetime,
    ) -> None:
        if ticket is not None and ticket.status in PAUSING:
            attach_message(ticket, contact_point_id=ctx.contact.id, now=now)
            return
        if (
            conversation is not None
            and conversation.status == "active"
            and not is_bot_start(ctx.text)
            and await self._carry_on(ctx, conversation, now)
        ):
            return
        if self._starts(ctx):
            await self._begin(ctx, conversation, ticket, now)
            return
        await self._out_of_flow(ctx, now)

    async def _after_resolution(
        self,
        ctx: InboundContext,
        conversation: Conversation | None,
        ticket: TriageTicket | None,
        now: datetime,
    ) -> bool:
        """Attach a quiet message to the ticket resolved just before; False when it is not one."""
        if ticket is not None or self._starts(ctx) or self._asking(conversation):
            return False
        resolved = await recently_resolved(ctx.session, ctx.person.id, now=now)
        if resolved is None:
            return False
        note_after_resolution(resolved, contact_point_id=ctx.contact.id, now=now)
        if conversation is not None and conversation.status == "active":
            # Its follow-up would hand the thank-you to the team again as a new ticket.
            _close(conversation)
        return True

    def _asking(self, conversation: Conversation | None) -> bool:
        """Tell whether the conversation waits for an answer to a question, not a follow-up."""
        if conversation is None or conversation.status != "active":
            return False
        state = state_of(conversation)
        flow = self.flows.get(conversation.flow_id)
        if state is None or flow is None or state.node is None:
            return False
        node = flow.nodes.get(state.node)
        return node is not None and node.kind != "wait"

    async def _alarm(self, ctx: InboundContext, signals: list[Signal]) -> None:
        """Send the emergency numbers first, before anything the flow says, when life is at risk."""
        if not signals:
            return
        known = self._language(ctx) is not None
        language = answer_language(ctx.person, signals, known=known)
        text = self.lexicon.answer_for(signals, self.flow.language_of(language) or language)
        if text is not None:
            await ctx.reply(text, origin=Origin("flow", URGENCY_ORIGIN))

    async def _raise(self, ctx: InboundContext, signals: list[Signal], now: datetime) -> None:
        first = await ctx.session.scalar(
            select(Conversation.first_message_id).where(
                Conversation.beneficiary_id == ctx.person.id
            )
        )
        await raise_ticket(
            ctx.session,
            lexicon=self.lexicon,
            person=ctx.person,
            signals=signals,
            contact_point_id=ctx.contact.id,
            first_message_id=first or ctx.message.id,
            now=now,
        )

    def _starts(self, ctx: InboundContext) -> bool:
        if ctx.is_new_person or is_bot_start(ctx.text):
            return True
        return self._jump_word(ctx.text)

    def _jump_word(self, text: str) -> bool:
        """Tell whether the text is an anytime word leading somewhere in the flow (MENU, LANGUE)."""
        return any(
            says_word(text, keyword)
            for entry in self.flow.anytime
            if entry.goto
            for keyword in entry.keywords
        )

    def _language(self, ctx: InboundContext) -> str | None:
        """Return the person's language if known: a new record only knows its channel's hint."""
        language = ctx.person.language
        return None if ctx.is_new_person and language == DEFAULT_LANGUAGE else language

    async def _carry_on(
        self, ctx: InboundContext, conversation: Conversation, now: datetime
    ) -> bool:
        """Advance the conversation; False when it turns out to be over."""
        flow = self.flows.get(conversation.flow_id)
        state = state_of(conversation)
        if flow is None or state is None:
            _close(conversation)
            return False
        try:
            step = await step_with_directory(
                ctx.session,
                base=self.directory,
                flow=flow,
                compute=lambda f, d: advance(f, state, ctx.text, now=now, directory=d),
                organisation_id=ctx.person.organisation_id,
            )
        except ConversationOver:
            _close(conversation)
            return False
        turn = Turn(ctx.session, ctx.person, conversation, ctx.contact.id, now)
        ctx.replies += await turn.apply(step)
        return True

    async def _begin(
        self,
        ctx: InboundContext,
        existing: Conversation | None,
        ticket: TriageTicket | None,
        now: datetime,
    ) -> None:
        conversation = await begin_conversation(
            ctx.session,
            existing=existing,
            beneficiary_id=ctx.person.id,
            flow_id=self.flow_id,
            first_message_id=ctx.message.id,
            now=now,
        )
        step = await step_with_directory(
            ctx.session,
            base=self.directory,
            flow=self.flow,
            compute=lambda f, d: self._opening(ctx, f, d, now),
            organisation_id=ctx.person.organisation_id,
        )
        turn = Turn(ctx.session, ctx.person, conversation, ctx.contact.id, now, ticket)
        ctx.replies += await turn.apply(step)

    def _opening(
        self, ctx: InboundContext, flow: Flow, directory: Directory, now: datetime
    ) -> Step:
        """Start the flow; for MENU or LANGUE from someone known, go straight where it leads."""
        language = self._language(ctx)
        step = start(flow, lang=language, now=now, directory=directory)
        if ctx.person.first_name:
            # The record already knows it: "Merci {first_name}" reads right even if skipped.
            fields = {FIRST_NAME: ctx.person.first_name, **step.state.fields}
            step = Step(
                step.state.model_copy(update={"fields": fields}), step.outputs, step.effects
            )
        if ctx.is_new_person or not step.state.active or not self._jump_word(ctx.text):
            return step
        # The greeting and first questions were for newcomers: only the jump is said.
        jump = advance(flow, step.state, ctx.text, now=now, directory=directory)
        return Step(jump.state, jump.outputs, [*step.effects, *jump.effects])

    async def _out_of_flow(self, ctx: InboundContext, now: datetime) -> None:
        ticket, created = await open_or_join(
            ctx.session,
            person=ctx.person,
            need=None,
            priority="normal",
            source=OUT_OF_FLOW,
            contact_point_id=ctx.contact.id,
            first_message_id=ctx.message.id,
            now=now,
        )
        last = ticket.acknowledged_at
        if created or last is None or now - last >= ACKNOWLEDGE_AGAIN_AFTER:
            text = await self._acknowledgement(ctx)
            await ctx.reply(text, origin=Origin("flow", self.flow_id))
            ticket.acknowledged_at = now

    async def _acknowledgement(self, ctx: InboundContext) -> str:
        """Say the message reached the team, with the site's own opening hours when it has them."""
        site = await ctx.session.get(Site, ctx.person.site_id) if ctx.person.site_id else None
        hours = str((site.info or {}).get(OPENING_HOURS, "")).strip() if site else ""
        flow = await flow_for(ctx.session, self.flow, organisation_id=ctx.person.organisation_id)
        if hours and OUT_OF_FLOW_HOURS in flow.texts:
            fields = {"hours": hours}
            return flow_text(flow, OUT_OF_FLOW_HOURS, lang=ctx.person.language, fields=fields)
        return flow_text(flow, OUT_OF_FLOW, lang=ctx.person.language)


def _close(conversation: Conversation) -> None:
    """Mark a conversation whose flow or state can no longer be followed as ended."""
    conversation.status = "ended"
    conversation.next_timeout_at = None
