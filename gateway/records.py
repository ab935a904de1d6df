"""The beneficiary record: finding people by how they write to us, and creating them."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.base import Base, utcnow
from db.errors import ConflictError, InvalidError
from db.models import Beneficiary, BeneficiaryTag, ContactPoint, Organisation, Site
from db.session import insert_ignore
from gateway.audit import RECONTACT, record_audit
from gateway.phones import normalize_phone
from gateway.privacy.digest import digests_known
from gateway.tags import fold_tags

SIMULATOR = "simulator"
PHONE_CHANNELS = frozenset({"sms", SIMULATOR})
# Put on a person whose address had been erased: staff decide, nothing is silently recreated.
RECONTACT_TAG = "recontact-after-erasure"


class UnknownSite(LookupError, InvalidError):
    """A site slug that no organisation has."""


# Every inbound message's sender is read on the webhook and again when it is handled: the
# numbers of the people writing now are kept read (a refused number is read again each time).
_canonical_phone = functools.lru_cache(maxsize=4096)(normalize_phone)


def normalize_address(channel: str, address: str) -> str:
    """Return the canonical address for a channel (E.164 for phones, the chat id for Telegram)."""
    if channel in PHONE_CHANNELS:
        return _canonical_phone(address)
    return address.strip()


def address_kind(channel: str) -> str:
    """Return what an address is, across channels: one phone number is one address."""
    return "phone" if channel in PHONE_CHANNELS else channel


async def default_site(session: AsyncSession) -> Site:
    """Return the site unknown senders are attached to: the first one created."""
    site = await session.scalar(select(Site).order_by(Site.id).limit(1))
    if site is None:
        raise LookupError("aucun site n'est configuré")
    return site


# Organisation.settings key: the numbers, messaging services or bots of each channel that
# reach this organisation, e.g. {"sms": ["+33700000001", "MG..."]}.
INBOUND_SETTING = "inbound"


async def site_for_recipients(
    session: AsyncSession, *, channel: str, recipients: Iterable[str]
) -> Site:
    """Return where a new sender lands: the first site of the organisation they wrote to.

    An instance with one organisation, or a number no organisation claims, keeps the first site.
    """
    wanted = set(recipients)
    if wanted:
        for org in await session.scalars(select(Organisation).order_by(Organisation.id)):
            claimed = (org.settings or {}).get(INBOUND_SETTING, {}).get(channel, [])
            if wanted & set(claimed):
                site = await session.scalar(
                    select(Site).where(Site.organisation_id == org.id).order_by(Site.id).limit(1)
                )
                if site is not None:
                    return site
    return await default_site(session)


async def site_by_slug(session: AsyncSession, slug: str) -> Site:
    site = await session.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise UnknownSite(f"site inconnu : « {slug} »")
    return site


async def find_contact(session: AsyncSession, *, channel: str, address: str) -> ContactPoint | None:
    return await session.scalar(
        select(ContactPoint).where(ContactPoint.channel == channel, ContactPoint.address == address)
    )


async def find_by_phone(session: AsyncSession, phone: str) -> list[Beneficiary]:
    """Find the people who have this phone number on any phone channel."""
    normalized = normalize_phone(phone)
    result = await session.execute(
        select(Beneficiary)
        .join(ContactPoint)
        .where(ContactPoint.address == normalized, ContactPoint.channel.in_(PHONE_CHANNELS))
        .options(selectinload(Beneficiary.contact_points), selectinload(Beneficiary.tags))
        .distinct()
    )
    return list(result.scalars())


async def get_beneficiary(session: AsyncSession, beneficiary_id: int) -> Beneficiary | None:
    return await session.scalar(
        select(Beneficiary)
        .where(Beneficiary.id == beneficiary_id)
        .options(selectinload(Beneficiary.contact_points), selectinload(Beneficiary.tags))
    )


async def create_beneficiary(
    session: AsyncSession,
    *,
    site: Site,
    first_name: str | None = None,
    last_name: str | None = None,
    language: str = "fr",
    tags: Iterable[str] = (),
) -> Beneficiary:
    person = Beneficiary(
        organisation_id=site.organisation_id,
        site_id=site.id,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )
    session.add(person)
    await session.flush()
    await set_tags(session, person, tags)
    return person


class ContactTaken(ConflictError):
    """The address already belongs to a record: here, or in another association.

    An address belongs to one person across the instance (the table's unique key): one held by
    another association is refused without naming its record, which this one may not see.
    """

    code = "contact_taken"


class ErasedRecordError(ConflictError):
    """The record's data was erased: it takes no new contact."""

    code = "erased_record"


async def add_contact(
    session: AsyncSession, person: Beneficiary, *, channel: str, address: str
) -> ContactPoint:
    if person.erased_at is not None:
        raise ErasedRecordError(
            "Cette fiche a été effacée : on ne peut plus y ajouter de moyen de contact."
        )
    canonical = normalize_address(channel, address)
    contact = ContactPoint(beneficiary_id=person.id, channel=channel, address=canonical)
    # The table's unique key decides, so two requests adding one address at once cannot both
    # pass: the second meets the key inside its savepoint and is refused, its transaction intact.
    try:
        async with session.begin_nested():
            await add_contacts(session, [contact])
    except IntegrityError:
        raise await _taken(session, channel=channel, address=canonical) from None
    return contact


async def _taken(session: AsyncSession, *, channel: str, address: str) -> ContactTaken:
    """Say who holds an address: a record of this association, or one it may not see."""
    mine = await find_contact(session, channel=channel, address=address)
    if mine is not None:
        return ContactTaken(f"ce contact existe déjà (bénéficiaire {mine.beneficiary_id})")
    return ContactTaken("ce contact est déjà enregistré dans une autre association")


async def add_contacts(session: AsyncSession, contacts: Sequence[ContactPoint]) -> set[int]:
    """Add new contacts (canonical addresses) at once; return the ids of those flagged.

    A contact at an address whose owner was erased is flagged as a first message from it is.
    """
    session.add_all(contacts)
    await session.flush()
    erased = await digests_known(session, [(address_kind(c.channel), c.address) for c in contacts])
    flagged = [c for c in contacts if (address_kind(c.channel), c.address) in erased]
    for contact in flagged:
        await _flag(session, contact)
    return {c.id for c in flagged}


async def find_or_create_contact(
    session: AsyncSession,
    *,
    channel: str,
    address: str,
    language: str | None = None,
    recipients: Iterable[str] = (),
) -> tuple[ContactPoint, bool]:
    """Return the contact for an address, creating a new beneficiary for an unknown sender."""
    canonical = normalize_address(channel, address)
    contact = await find_contact(session, channel=channel, address=canonical)
    if contact is not None:
        return contact, False
    try:
        async with session.begin_nested():
            person = await _person_with_same_phone(session, channel, canonical)
            if person is None:
                site = await site_for_recipients(session, channel=channel, recipients=recipients)
                person = await create_beneficiary(session, site=site, language=language or "fr")
            contact = ContactPoint(beneficiary_id=person.id, channel=channel, address=canonical)
            await add_contacts(session, [contact])
    except IntegrityError:
        # Two first messages of one sender at once: the other one created them, use theirs.
        existing = await find_contact(session, channel=channel, address=canonical)
        if existing is None:
            raise
        return existing, False
    return contact, True


async def _flag(session: AsyncSession, contact: ContactPoint) -> None:
    """Tag and audit a person reached again at an address whose owner was erased."""
    await insert_ignore(
        session,
        BeneficiaryTag.__table__,  # type: ignore[arg-type]
        {"beneficiary_id": contact.beneficiary_id, "tag": RECONTACT_TAG},
    )
    record_audit(
        session,
        staff_id=None,
        action=RECONTACT,
        beneficiary_id=contact.beneficiary_id,
        details={"channel": contact.channel},
    )


async def find_or_create_sender(
    session: AsyncSession,
    *,
    channel: str,
    address: str,
    language: str | None = None,
    recipients: Iterable[str] = (),
) -> tuple[ContactPoint, Beneficiary, bool]:
    """Return who wrote from an address (one query when known), creating them otherwise."""
    canonical = normalize_address(channel, address)
    found = (
        await session.execute(
            select(ContactPoint, Beneficiary)
            .join(Beneficiary, ContactPoint.beneficiary_id == Beneficiary.id)
            .where(ContactPoint.channel == channel, ContactPoint.address == canonical)
        )
    ).first()
    if found is not None:
        return found[0], found[1], False
    contact, created = await find_or_create_contact(
        session, channel=channel, address=canonical, language=language, recipients=recipients
    )
    return contact, await session.get_one(Beneficiary, contact.beneficiary_id), created


async def _person_with_same_phone(
    session: AsyncSession, channel: str, address: str
) -> Beneficiary | None:
    if channel not in PHONE_CHANNELS:
        return None
    # The simulator's numbers are make-believe: they never join a real SMS contact's record,
    # nor a real SMS number a simulated one's.
    alike = [SIMULATOR] if channel == SIMULATOR else sorted(PHONE_CHANNELS - {SIMULATOR})
    return await session.scalar(
        select(Beneficiary)
        .join(ContactPoint)
        .where(ContactPoint.address == address, ContactPoint.channel.in_(alike))
        .limit(1)
    )


async def set_tags(session: AsyncSession, person: Beneficiary, tags: Iterable[str]) -> None:
    """Replace a person's tags with the given ones, folded to their codes ("Isolée" is "isole")."""
    wanted = sorted(set(fold_tags(tags)))
    await session.execute(delete(BeneficiaryTag).where(BeneficiaryTag.beneficiary_id == person.id))
    session.add_all(BeneficiaryTag(beneficiary_id=person.id, tag=t) for t in wanted)
    await session.flush()


async def ensure_organisation(
    session: AsyncSession, *, slug: str, name: str, site_slug: str, site_name: str
) -> Site:
    """Create an organisation with one site unless it exists; return the site.

    Processes starting together may all try: the unique constraints let one insert and the
    others then read its rows.
    """
    now = utcnow()
    organisation = {"slug": slug, "name": name, "settings": {}, "created_at": now}
    await insert_ignore(session, Base.metadata.tables["organisations"], organisation)
    org = await session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise LookupError(f"organisation {slug} not created")
    site = {"organisation_id": org.id, "slug": site_slug, "name": site_name, "info": {}}
    await insert_ignore(session, Base.metadata.tables["sites"], site | {"created_at": now})
    found = await session.scalar(
        select(Site).where(Site.organisation_id == org.id, Site.slug == site_slug)
    )
    if found is None:
        raise LookupError(f"site {site_slug} not created")
    return found
