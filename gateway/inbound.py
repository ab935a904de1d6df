"""Inbound routing: every message is logged, then offered to the domains in order."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Beneficiary, ContactPoint, Message
from gateway import statuses
from gateway.attachments import add_pending
from gateway.catalogue import gateway_text
from gateway.channels.base import Choice, InboundMessage, checked_inbound
from gateway.consent import OPT_IN, OPT_OUT, record_consent
from gateway.exchange import Origin, log_inbound
from gateway.keywords import consent_keyword, is_bot_start
from gateway.outbox import OutgoingMessage, Priority, queue_message
from gateway.records import find_or_create_sender

log = logging.getLogger(__name__)
INBOX = "inbox"
MAX_BODY = 4000


@dataclass
class InboundContext:
    """What a handler gets: the logged message, who sent it, and a way to answer."""

    session: AsyncSession
    message: Message
    contact: ContactPoint
    person: Beneficiary
    text: str
    is_new_person: bool
    replies: list[int] = field(default_factory=list)

    async def reply(
        self, text: str, *, origin: Origin, choices: tuple[Choice, ...] = ()
    ) -> int | None:
        """Answer on the channel the person wrote from."""
        message_id = await queue_message(
            self.session,
            OutgoingMessage(
                beneficiary_id=self.person.id,
                contact_point_id=self.contact.id,
                text=text,
                choices=choices,
                origin=origin,
                priority=Priority.CONVERSATION,
            ),
        )
        if message_id is not None:
            self.replies.append(message_id)
        return message_id


Handler = Callable[[InboundContext], Awaitable[bool]]


@dataclass(frozen=True)
class _Route:
    order: int
    name: str
    handler: Handler


class InboundRouter:
    """Handlers registered at startup, tried in order until one takes the message."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def register(self, name: str, handler: Handler, *, order: int) -> None:
        self._routes.append(_Route(order, name, handler))
        self._routes.sort(key=lambda r: r.order)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self._routes]

    async def route(self, ctx: InboundContext) -> str:
        for route in self._routes:
            try:
                async with ctx.session.begin_nested():
                    if await route.handler(ctx):
                        return route.name
            except Exception:
                # A broken handler must not lose the message: it goes to the staff inbox.
                log.exception("inbound handler failed", extra={"handler": route.name})
        return INBOX


@dataclass(frozen=True)
class Received:
    message: Message
    contact: ContactPoint
    person: Beneficiary
    handled_by: str
    replies: list[int]


def _inbound_row(
    inbound: InboundMessage, contact: ContactPoint, received_at: datetime | None
) -> dict[str, object]:
    now = received_at or utcnow()
    return {
        "created_at": now,
        "updated_at": now,
        "beneficiary_id": contact.beneficiary_id,
        "contact_point_id": contact.id,
        "channel": inbound.channel,
        "direction": "in",
        "body": inbound.text[:MAX_BODY],
        "status": statuses.RECEIVED,
        "origin_kind": "person",
        "provider_id": inbound.provider_id,
    }


async def receive(
    session: AsyncSession,
    router: InboundRouter,
    inbound: InboundMessage,
    *,
    received_at: datetime | None = None,
) -> Received | None:
    """Log an inbound message once and route it; None when it was already received.

    `received_at` is when the provider delivered it, if it was stored before being handled.

    Raise ValueError when the message cannot be stored (see `checked_inbound`).
    """
    inbound = checked_inbound(inbound)
    contact, person, created = await find_or_create_sender(
        session,
        channel=inbound.channel,
        address=inbound.address,
        language=inbound.language_hint,
        recipients=inbound.recipients,
    )
    row = _inbound_row(inbound, contact, received_at)
    message_id = await log_inbound(session, row)
    if message_id is None:
        return None
    await add_pending(
        session,
        message_id=message_id,
        organisation_id=person.organisation_id,
        media=inbound.media,
        now=utcnow(),
    )
    # Handlers read the message; it is not re-selected, only its routing is written back.
    message = Message(id=message_id, **row)
    person.last_contact_at = utcnow()
    ctx = InboundContext(session, message, contact, person, message.body or "", created)
    handled_by = await _dispatch(ctx, router)
    message.handled_by = handled_by
    await session.execute(
        update(Message).where(Message.id == message_id).values(handled_by=handled_by)
    )
    return Received(message, contact, person, handled_by, ctx.replies)


async def _dispatch(ctx: InboundContext, router: InboundRouter) -> str:
    keyword = consent_keyword(ctx.text)
    if keyword is not None:
        await _apply_consent_keyword(ctx, keyword)
        return "keyword"
    if ctx.contact.opted_out:
        if not is_bot_start(ctx.text):
            # They asked us to stop: no automated answer, but a person on the team sees it.
            return INBOX
        # Someone who opens the bot again wants to talk on it: consent is back on that chat.
        await record_consent(
            ctx.session,
            beneficiary_id=ctx.person.id,
            kind=OPT_IN,
            source="keyword",
            contact=ctx.contact,
            detail=f"{ctx.contact.channel}:/start",
        )
    return await router.route(ctx)


async def _apply_consent_keyword(ctx: InboundContext, keyword: str) -> None:
    kind = OPT_OUT if keyword == "stop" else OPT_IN
    await record_consent(
        ctx.session,
        beneficiary_id=ctx.person.id,
        kind=kind,
        source="keyword",
        detail=f"{ctx.contact.channel}:{keyword}",
    )
    text_key = "stop_confirmation" if keyword == "stop" else "start_confirmation"
    message_id = await queue_message(
        ctx.session,
        OutgoingMessage(
            beneficiary_id=ctx.person.id,
            contact_point_id=ctx.contact.id,
            text=gateway_text(text_key, ctx.person.language),
            origin=Origin("keyword", keyword),
            priority=Priority.CONVERSATION,
            bypass_consent=keyword == "stop",
        ),
    )
    if message_id is not None:
        ctx.replies.append(message_id)
