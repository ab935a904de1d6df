"""People reached on a relative's phone: counted in the audience, sent one message per number.

An import keeps relatives who share one phone as separate people; only the first holds the
number as a contact, the others carry it in `fields["shared_phone"]`. A broadcast whose filter
matches such a person must reach them, through the holder of that number, even when the
holder does not match the filter themselves: an alert to "isolated people" that skipped an
isolated grandmother because her grandson's name is on the contact would miss the very person
it was meant for.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, ContactPoint
from gateway.records import PHONE_CHANNELS

SHARED_PHONE = "shared_phone"


def shared_phone() -> ColumnElement[str]:
    """The number a person is reached on through someone else, None for most people."""
    number: ColumnElement[str] = Beneficiary.fields[SHARED_PHONE].as_string()
    return number


async def reached_through_holders(
    session: AsyncSession,
    *,
    organisation_id: int,
    conditions: Sequence[ColumnElement[bool]],
    reachable: ColumnElement[bool],
    channels: Sequence[str],
) -> tuple[tuple[int, int], ...]:
    """Return (person, holder) pairs: a person matching the filter with no usable contact of
    their own, and the person of the same association whose open contact holds their number."""
    phone_channels = [c for c in channels if c in PHONE_CHANNELS]
    if not phone_channels:
        return ()
    dependants = dict(
        (
            await session.execute(
                select(Beneficiary.id, shared_phone()).where(
                    *conditions, ~reachable, shared_phone().is_not(None)
                )
            )
        ).all()
    )
    if not dependants:
        return ()
    holders = await session.execute(
        select(ContactPoint.address, ContactPoint.beneficiary_id)
        .join(Beneficiary, Beneficiary.id == ContactPoint.beneficiary_id)
        .where(
            Beneficiary.organisation_id == organisation_id,
            Beneficiary.erased_at.is_(None),
            ContactPoint.address.in_(set(dependants.values())),
            ContactPoint.channel.in_(phone_channels),
            ContactPoint.opted_out.is_(False),
        )
        .order_by(ContactPoint.id)
    )
    holder_of: dict[str, int] = {}
    for address, holder in holders.all():
        holder_of.setdefault(address, holder)
    return tuple(
        (person, holder_of[phone])
        for person, phone in sorted(dependants.items())
        if phone in holder_of
    )
