"""Consent and objection: the current state per channel, and the proof of every change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ConsentEvent, ContactPoint

OPT_IN = "opt_in"
OPT_OUT = "opt_out"
# The one anonymous event left in place of the history once a person's data is erased.
ERASED = "erased"

# Where a decision came from.
KEYWORD = "keyword"
STAFF = "staff"
IMPORT = "import"
PROVIDER_ERROR = "provider_error"
# How a person told the team, when staff record the decision for them.
SIGNED_PAPER = "signed_paper"
SAID_IN_PERSON = "in_person"
BY_PHONE = "by_phone"
TOLD_STAFF = (SIGNED_PAPER, SAID_IN_PERSON, BY_PHONE)
SOURCES = frozenset({KEYWORD, STAFF, IMPORT, PROVIDER_ERROR, *TOLD_STAFF})


@dataclass(frozen=True)
class ChannelConsent:
    """The current state of one contact: may we write to it, since when, decided how."""

    contact_point_id: int
    channel: str
    address: str
    opted_in: bool
    since: datetime | None
    source: str | None


async def _contacts(
    session: AsyncSession, *, beneficiary_id: int, contact: ContactPoint | None
) -> list[ContactPoint]:
    if contact is not None:
        return [contact]
    result = await session.execute(
        select(ContactPoint).where(ContactPoint.beneficiary_id == beneficiary_id)
    )
    return list(result.scalars())


async def record_consent(
    session: AsyncSession,
    *,
    beneficiary_id: int,
    kind: str,
    source: str,
    contact: ContactPoint | None = None,
    detail: str | None = None,
) -> list[ContactPoint]:
    """Apply an opt-in or opt-out to one contact, or to every contact of the person."""
    now = utcnow()
    changed = await _contacts(session, beneficiary_id=beneficiary_id, contact=contact)
    for point in changed:
        point.opted_out = kind == OPT_OUT
        point.opted_out_at = now if kind == OPT_OUT else None
        session.add(_event(point, kind=kind, source=source, detail=detail, now=now))
    await session.flush()
    return changed


async def record_opt_ins(
    session: AsyncSession,
    contacts: Iterable[ContactPoint],
    *,
    source: str,
    detail: str | None = None,
) -> int:
    """Record the consent given with new contacts (an imported file is its proof); return how many.

    A contact that said STOP is left alone: only a START, or staff, bring it back.
    """
    now = utcnow()
    events = [
        _event(point, kind=OPT_IN, source=source, detail=detail, now=now)
        for point in contacts
        if not point.opted_out
    ]
    session.add_all(events)
    await session.flush()
    return len(events)


def _event(
    point: ContactPoint, *, kind: str, source: str, detail: str | None, now: datetime
) -> ConsentEvent:
    return ConsentEvent(
        beneficiary_id=point.beneficiary_id,
        contact_point_id=point.id,
        channel=point.channel,
        kind=kind,
        source=source,
        detail=detail,
        created_at=now,
    )


async def consent_history(session: AsyncSession, beneficiary_id: int) -> list[ConsentEvent]:
    result = await session.execute(
        select(ConsentEvent)
        .where(ConsentEvent.beneficiary_id == beneficiary_id)
        .order_by(ConsentEvent.id)
    )
    return list(result.scalars())


async def consent_state(session: AsyncSession, beneficiary_id: int) -> list[ChannelConsent]:
    """Return the current state of each of a person's contacts, with the decision behind it."""
    contacts = list(
        await session.scalars(
            select(ContactPoint)
            .where(ContactPoint.beneficiary_id == beneficiary_id)
            .order_by(ContactPoint.id)
        )
    )
    last: dict[int, ConsentEvent] = {}
    for event in await consent_history(session, beneficiary_id):
        if event.contact_point_id is not None:
            last[event.contact_point_id] = event
    states = []
    for contact in contacts:
        decision = last.get(contact.id)
        states.append(
            ChannelConsent(
                contact_point_id=contact.id,
                channel=contact.channel,
                address=contact.address,
                opted_in=not contact.opted_out,
                since=decision.created_at if decision is not None else contact.created_at,
                source=decision.source if decision is not None else None,
            )
        )
    return states
