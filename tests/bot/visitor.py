"""A person writing to the accueil through the gateway's real inbound path, in one session."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Conversation, Message, TriageTicket
from gateway.channels.base import InboundMessage
from gateway.inbound import InboundRouter, Received, receive

_ids = itertools.count(1)


class Visitor:
    """Someone who writes from one address and reads the answers queued for them."""

    def __init__(
        self,
        session: AsyncSession,
        router: InboundRouter,
        *,
        address: str = "+33612345678",
        channel: str = "simulator",
        language_hint: str | None = None,
    ) -> None:
        self.session = session
        self.router = router
        self.address = address
        self.channel = channel
        self.language_hint = language_hint
        self.last: Received | None = None

    async def say(self, text: str) -> list[str]:
        """Send a message; return the texts queued in answer, as the channel will show them."""
        inbound = InboundMessage(
            channel=self.channel,
            address=self.address,
            text=text,
            provider_id=f"test-{next(_ids)}",
            language_hint=self.language_hint,
        )
        self.last = await receive(self.session, self.router, inbound)
        assert self.last is not None
        if not self.last.replies:
            return []
        bodies = await self.session.scalars(
            select(Message.body).where(Message.id.in_(self.last.replies)).order_by(Message.id)
        )
        return [body or "" for body in bodies]

    async def person(self) -> Beneficiary:
        assert self.last is not None
        person = await self.session.get_one(Beneficiary, self.last.person.id)
        await self.session.refresh(person)
        return person

    async def conversation(self) -> Conversation:
        assert self.last is not None
        found = await self.session.scalar(
            select(Conversation).where(Conversation.beneficiary_id == self.last.person.id)
        )
        assert found is not None
        return found

    async def tickets(self) -> list[TriageTicket]:
        assert self.last is not None
        found = await self.session.scalars(
            select(TriageTicket)
            .where(TriageTicket.beneficiary_id == self.last.person.id)
            .order_by(TriageTicket.id)
        )
        return list(found)
