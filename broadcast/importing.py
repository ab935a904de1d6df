"""Save an imported user file: one person per phone number, never overriding what Lien knows.

A person already known (by phone number or Telegram id) keeps their record: only empty names
and site are filled in, tags are added, new contacts are added with the import as proof of
consent. A contact that said STOP stays stopped. Importing the same file again changes nothing.

Contacts and consent are written by the gateway, as for a first message: a number that
belonged to an erased person flags the person it now reaches, and the file is no proof of
their consent: the contact is held (no message goes to it) until staff record a decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.import_records import fill_record, missing_contacts, new_person
from broadcast.import_sites import FileSites
from broadcast.importfile import ImportResult, ImportRow, RejectedLine
from broadcast.importfile.merging import fold_name, names_match, phone_key
from broadcast.texts import broadcast_text
from broadcast.unreached import Unreached
from db.models import Beneficiary, BeneficiaryTag, ContactPoint
from gateway.consent import IMPORT, record_opt_ins
from gateway.records import PHONE_CHANNELS, add_contacts
from gateway.tags import name_tag, tag_labels

BATCH = 500
CONSENT_SOURCE = IMPORT
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or would do, in a dry run), with the file's own report."""

    dry_run: bool
    read: ImportResult
    created: int
    updated: int
    unchanged: int
    # Lines read correctly but not saved, because of what the database already holds.
    conflicts: tuple[RejectedLine, ...]
    sites_created: tuple[str, ...]
    contacts_added: int
    # Lines saved whose number (or Telegram id) belonged to an erased person: staff decide.
    recontacts: tuple[RejectedLine, ...] = ()
    # The organisation's label of every tag of the file, new ones included.
    tag_labels: dict[str, str] = field(default_factory=dict)
    tags_created: tuple[str, ...] = ()

    @property
    def rejected(self) -> tuple[RejectedLine, ...]:
        """Return every line left out, in file order."""
        return tuple(sorted((*self.read.rejected, *self.conflicts), key=lambda r: r.line))


@dataclass
class ImportTally:
    """What saving a file's rows has done so far, batch after batch."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    contacts_added: int = 0
    conflicts: list[RejectedLine] = field(default_factory=list)
    recontacts: list[RejectedLine] = field(default_factory=list)
    sites_created: list[str] = field(default_factory=list)
    tags_created: list[str] = field(default_factory=list)


@dataclass
class ImportRun:
    """What saving rows in one transaction needs: the organisation's sites, tags and people."""

    session: AsyncSession
    organisation_id: int
    source: str
    tally: ImportTally
    sites: FileSites
    unreached: Unreached
    labels: dict[str, str]


async def begin_import(
    session: AsyncSession,
    *,
    result: ImportResult,
    organisation_id: int,
    default_site_id: int,
    source: str,
    tally: ImportTally,
) -> ImportRun:
    """Name the file's new tags and read what saving its rows needs, adding to `tally`."""
    sites = FileSites(session, organisation_id, default_site_id, tally.sites_created)
    labels = await _name_tags(session, result, organisation_id, tally)
    unreached = await Unreached.load(session, organisation_id)
    return ImportRun(session, organisation_id, source, tally, sites, unreached, labels)


async def save_rows(run: ImportRun, rows: Sequence[ImportRow]) -> None:
    """Save one batch of a file's rows in the run's transaction."""
    await _import_batch(
        run.session, rows, run.organisation_id, run.sites, run.unreached, run.source, run.tally
    )


def import_report(run: ImportRun, result: ImportResult, *, dry_run: bool) -> ImportReport:
    """Return the report of what the run saved (or would have saved)."""
    tally = run.tally
    return ImportReport(
        dry_run=dry_run,
        read=result,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        conflicts=tuple(tally.conflicts),
        sites_created=tuple(tally.sites_created),
        contacts_added=tally.contacts_added,
        recontacts=tuple(sorted(tally.recontacts, key=lambda r: r.line)),
        tag_labels=run.labels,
        tags_created=tuple(tally.tags_created),
    )


async def import_people(
    session: AsyncSession,
    *,
    result: ImportResult,
    organisation_id: int,
    default_site_id: int,
    source: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Save the people of a read file; in a dry run, report the same and keep nothing."""
    savepoint = await session.begin_nested()
    try:
        run = await begin_import(
            session,
            result=result,
            organisation_id=organisation_id,
            default_site_id=default_site_id,
            source=source,
            tally=ImportTally(),
        )
        for start in range(0, len(result.rows), BATCH):
            batch = result.rows[start : start + BATCH]
            await save_rows(run, batch)
            if progress is not None:
                progress(len(batch))
    except BaseException:
        await savepoint.rollback()
        raise
    if dry_run:
        await savepoint.rollback()
    else:
        await savepoint.commit()
    return import_report(run, result, dry_run=dry_run)


async def _name_tags(
    session: AsyncSession, result: ImportResult, organisation_id: int, tally: ImportTally
) -> dict[str, str]:
    """Give the file's new tags a label, as first written; return every tag's label."""
    known = await tag_labels(session, organisation_id=organisation_id)
    for seen in result.tags:
        if seen.tag not in known:
            written = seen.written[0] if seen.written else None
            await name_tag(session, organisation_id=organisation_id, tag=seen.tag, written=written)
            tally.tags_created.append(seen.tag)
    if tally.tags_created:
        known = await tag_labels(session, organisation_id=organisation_id)
    return {seen.tag: known.get(seen.tag, seen.tag) for seen in result.tags}


async def _import_batch(
    session: AsyncSession,
    rows: Sequence[ImportRow],
    organisation_id: int,
    sites: FileSites,
    unreached: Unreached,
    source: str,
    tally: ImportTally,
) -> None:
    owners = await _owners(session, rows)
    people = await _people(session, {bid for bid, _org in owners.values()})
    tags = await _tags(session, set(people))
    new_contacts: list[tuple[ImportRow, ContactPoint]] = []
    new_people: list[tuple[ImportRow, Beneficiary]] = []
    for row in rows:
        found = {owners[key] for key in _keys(row) if key in owners}
        if found and not row.shared_phone and _someone_else(row, found, people):
            row = replace(row, shared_phone=True, telegram_chat_id=None)
        if row.shared_phone or (row.phone is None and row.telegram_chat_id is None):
            await _import_unreached(session, row, organisation_id, sites, unreached, tally)
            continue
        if any(org != organisation_id for _bid, org in found):
            tally.conflicts.append(_conflict(row, "other_organisation_contact"))
            continue
        if len(found) > 1:
            tally.conflicts.append(_conflict(row, "contact_owned_by_other"))
            continue
        if found:
            ((person_id, _org),) = found
            person = people[person_id]
            wanted_site = row.site if person.site_id is None else None
            site_id = await sites.site_id(wanted_site) if wanted_site else None
            changed = fill_record(person, row, site_id=site_id)
            added_tags = sorted(row.tags - tags.setdefault(person_id, set()))
            session.add_all(BeneficiaryTag(beneficiary_id=person_id, tag=t) for t in added_tags)
            tags[person_id].update(added_tags)
            contacts = missing_contacts(person_id, row, owners)
            new_contacts += ((row, c) for c in contacts)
            if changed or added_tags or contacts:
                tally.updated += 1
            else:
                tally.unchanged += 1
            continue
        new_people.append((row, new_person(row, organisation_id, await sites.site_id(row.site))))
    # One flush for the batch's new people: the file holds each contact once, merged already.
    session.add_all(person for _row, person in new_people)
    await session.flush()
    for row, person in new_people:
        session.add_all(BeneficiaryTag(beneficiary_id=person.id, tag=t) for t in sorted(row.tags))
        new_contacts += ((row, c) for c in missing_contacts(person.id, row, owners))
        tally.created += 1
    await _add_contacts(session, new_contacts, source, tally)


async def _add_contacts(
    session: AsyncSession,
    new_contacts: Sequence[tuple[ImportRow, ContactPoint]],
    source: str,
    tally: ImportTally,
) -> None:
    """Add the batch's contacts through the gateway, with the file as proof of consent."""
    flagged = await add_contacts(session, [c for _row, c in new_contacts])
    for row, contact in new_contacts:
        if contact.id in flagged:
            # Held until staff decide: the file cannot say that an erased person agreed.
            contact.opted_out = True
            if all(r.line != row.line for r in tally.recontacts):
                tally.recontacts.append(_conflict(row, "recontact_after_erasure"))
    await record_opt_ins(
        session, (c for _row, c in new_contacts), source=CONSENT_SOURCE, detail=source[:200]
    )
    tally.contacts_added += len(new_contacts)
    await session.flush()


def _someone_else(
    row: ImportRow, found: set[tuple[int, int]], people: dict[int, Beneficiary]
) -> bool:
    """Tell whether the known owner of a line's number is another person by name."""
    owner = people.get(next(iter(found))[0]) if len(found) == 1 else None
    if owner is None or next(iter(found))[1] != owner.organisation_id:
        return False
    known = fold_name(owner.first_name, owner.last_name)
    return not names_match(known, fold_name(row.first_name, row.last_name))


async def _import_unreached(
    session: AsyncSession,
    row: ImportRow,
    organisation_id: int,
    sites: FileSites,
    unreached: Unreached,
    tally: ImportTally,
) -> None:
    """Save a person without a contact of their own: a shared phone, or a landline only."""
    number = phone_key(row)
    if number is None:
        return
    known_id = unreached.find(number, row)
    if known_id is not None:
        person = await session.get_one(Beneficiary, known_id)
        changed = fill_record(person, row, site_id=None)
        present = set(
            await session.scalars(
                select(BeneficiaryTag.tag).where(BeneficiaryTag.beneficiary_id == known_id)
            )
        )
        added = sorted(row.tags - present)
        session.add_all(BeneficiaryTag(beneficiary_id=known_id, tag=t) for t in added)
        if changed or added:
            tally.updated += 1
        else:
            tally.unchanged += 1
        return
    person = new_person(row, organisation_id, await sites.site_id(row.site))
    session.add(person)
    await session.flush()
    session.add_all(BeneficiaryTag(beneficiary_id=person.id, tag=t) for t in sorted(row.tags))
    unreached.add(number, person.id, row)
    tally.created += 1


def _keys(row: ImportRow) -> list[tuple[str, str]]:
    keys = [(channel, row.phone) for channel in sorted(PHONE_CHANNELS) if row.phone]
    if row.telegram_chat_id is not None:
        keys.append(("telegram", str(row.telegram_chat_id)))
    return keys


async def _owners(
    session: AsyncSession, rows: Sequence[ImportRow]
) -> dict[tuple[str, str], tuple[int, int]]:
    """Map (channel, address) of the batch's contacts to (person, organisation)."""
    addresses = {address for row in rows for _channel, address in _keys(row)}
    if not addresses:
        return {}
    found = await session.execute(
        select(
            ContactPoint.channel, ContactPoint.address, Beneficiary.id, Beneficiary.organisation_id
        )
        .join(Beneficiary, Beneficiary.id == ContactPoint.beneficiary_id)
        .where(ContactPoint.address.in_(addresses))
    )
    return {(channel, address): (bid, org) for channel, address, bid, org in found}


async def _people(session: AsyncSession, ids: set[int]) -> dict[int, Beneficiary]:
    if not ids:
        return {}
    found = await session.scalars(select(Beneficiary).where(Beneficiary.id.in_(ids)))
    return {person.id: person for person in found}


async def _tags(session: AsyncSession, ids: set[int]) -> dict[int, set[str]]:
    tags: dict[int, set[str]] = {bid: set() for bid in ids}
    if ids:
        rows = await session.execute(
            select(BeneficiaryTag.beneficiary_id, BeneficiaryTag.tag).where(
                BeneficiaryTag.beneficiary_id.in_(ids)
            )
        )
        for bid, tag in rows:
            tags[bid].add(tag)
    return tags


def _conflict(row: ImportRow, key: str) -> RejectedLine:
    contact = row.phone or str(row.telegram_chat_id or "")
    return RejectedLine(line=row.line, reason=broadcast_text(key), raw=contact, code=key)
