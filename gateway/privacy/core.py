"""The core's own personal data: the person, their contacts, their consent, their messages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    AuditEvent,
    Beneficiary,
    BeneficiaryTag,
    ConsentEvent,
    ContactPoint,
    Organisation,
    Site,
)
from gateway.consent import ERASED
from gateway.privacy.erased import remember_erased
from gateway.privacy.labels import section_texts
from gateway.privacy.sources import Exported, PurgeRun


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class KeptAsLongAsThePerson:
    """A source with no retention of its own: its rows go when the person is erased."""

    retention: Mapping[str, int] = {}

    async def purge(self, session: AsyncSession, run: PurgeRun) -> dict[str, int]:
        return {}


class IdentitySource(KeptAsLongAsThePerson):
    """Names, language, site, free fields and tags; the row itself stays, blank, once erased."""

    name = "identity"

    def __init__(self) -> None:
        self.title, self.labels = section_texts(self.name)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        row = (
            await session.execute(
                select(Beneficiary, Organisation.name, Site.name)
                .join(Organisation, Beneficiary.organisation_id == Organisation.id)
                .outerjoin(Site, Beneficiary.site_id == Site.id)
                .where(Beneficiary.id == beneficiary_id)
            )
        ).first()
        if row is None:
            return {}
        person, organisation, site = row
        tags = await session.scalars(
            select(BeneficiaryTag.tag)
            .where(BeneficiaryTag.beneficiary_id == beneficiary_id)
            .order_by(BeneficiaryTag.tag)
        )
        return {
            "id": person.id,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "language": person.language,
            "organisation": organisation,
            "site": site,
            "preferred_channel": person.preferred_channel,
            "fields": dict(person.fields or {}),
            "tags": list(tags),
            "created_at": iso(person.created_at),
            "updated_at": iso(person.updated_at),
            "last_contact_at": iso(person.last_contact_at),
            "erased_at": iso(person.erased_at),
        }

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        tags = await session.execute(
            delete(BeneficiaryTag).where(BeneficiaryTag.beneficiary_id == beneficiary_id)
        )
        await _strip_audit_values(session, beneficiary_id)
        person = await session.get(Beneficiary, beneficiary_id)
        if person is None:
            return _rowcount(tags)
        filled = any((person.first_name, person.last_name, person.preferred_channel, person.fields))
        person.first_name = person.last_name = person.preferred_channel = None
        person.fields = {}
        await session.flush()
        return _rowcount(tags) + int(filled)


async def _strip_audit_values(session: AsyncSession, beneficiary_id: int) -> None:
    """Keep which fields an edit touched, not the values the person's record held."""
    events = await session.scalars(
        select(AuditEvent).where(AuditEvent.beneficiary_id == beneficiary_id)
    )
    for event in events:
        changes = (event.details or {}).get("changes")
        if isinstance(changes, dict):
            event.details = {**event.details, "changes": {f: [None, None] for f in changes}}


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class ContactSource(KeptAsLongAsThePerson):
    """Phone numbers and chat ids: deleted on erasure, remembered only as keyed hashes."""

    name = "contacts"

    def __init__(self) -> None:
        self.title, self.labels = section_texts(self.name)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        contacts = await session.scalars(
            select(ContactPoint)
            .where(ContactPoint.beneficiary_id == beneficiary_id)
            .order_by(ContactPoint.id)
        )
        return [
            {
                "channel": c.channel,
                "address": c.address,
                "state": "opt_out" if c.opted_out else "opt_in",
                "opted_out_at": iso(c.opted_out_at),
                "created_at": iso(c.created_at),
            }
            for c in contacts
        ]

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        contacts = list(
            await session.scalars(
                select(ContactPoint).where(ContactPoint.beneficiary_id == beneficiary_id)
            )
        )
        await remember_erased(session, [(c.channel, c.address) for c in contacts])
        await session.execute(
            delete(ContactPoint).where(ContactPoint.beneficiary_id == beneficiary_id)
        )
        for contact in contacts:
            session.expunge(contact)
        return len(contacts)


class ConsentSource(KeptAsLongAsThePerson):
    """Each opt-in and opt-out; on erasure, one anonymous marker replaces the history."""

    name = "consent"

    def __init__(self) -> None:
        self.title, self.labels = section_texts(self.name)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        events = await session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.beneficiary_id == beneficiary_id)
            .order_by(ConsentEvent.id)
        )
        return [
            {
                "created_at": iso(e.created_at),
                "channel": e.channel,
                "kind": e.kind,
                "source": e.source,
                "detail": e.detail,
            }
            for e in events
        ]

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        removed = await session.execute(
            delete(ConsentEvent).where(
                ConsentEvent.beneficiary_id == beneficiary_id, ConsentEvent.kind != ERASED
            )
        )
        marker = await session.scalar(
            select(ConsentEvent.id).where(
                ConsentEvent.beneficiary_id == beneficiary_id, ConsentEvent.kind == ERASED
            )
        )
        if marker is None:
            session.add(
                ConsentEvent(beneficiary_id=beneficiary_id, channel="*", kind=ERASED, source=ERASED)
            )
            await session.flush()
        return _rowcount(removed)
