"""A number that belonged to an erased person, brought back by an import."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.importfile import read_user_file
from broadcast.importing import ImportReport, import_people
from db.models import AuditEvent, BeneficiaryTag, ConsentEvent, ContactPoint, Site
from gateway.privacy.builtin import core_registry
from gateway.privacy.erasure import erase_person
from gateway.records import RECONTACT_TAG, find_or_create_contact
from tests.factories import create_person, create_site

ERASED_BY_FILE = "+33612345678"
ERASED_BY_MESSAGE = "+33655555555"
FILE = (
    "Nom;Prénom;Téléphone\r\nDupont;Jean;06 12 34 56 78\r\nRoux;Marie;06 99 88 77 66\r\n"
).encode()


async def erased_twice(session: AsyncSession) -> Site:
    site = await create_site(session)
    for phone in (ERASED_BY_FILE, ERASED_BY_MESSAGE):
        gone = await create_person(session, site=site, first_name="Ancien", phone=phone)
        await erase_person(session, core_registry(), beneficiary_id=gone.id, staff_id=None)
    return site


async def run_import(session: AsyncSession, site: Site, *, dry_run: bool = False) -> ImportReport:
    return await import_people(
        session,
        result=read_user_file(FILE, filename="usagers.csv"),
        organisation_id=site.organisation_id,
        default_site_id=site.id,
        source="usagers.csv",
        dry_run=dry_run,
    )


async def contact_of(session: AsyncSession, address: str) -> ContactPoint:
    return (
        await session.scalars(select(ContactPoint).where(ContactPoint.address == address))
    ).one()


async def flags(session: AsyncSession, beneficiary_id: int) -> tuple[object, ...]:
    tags = await session.scalars(
        select(BeneficiaryTag.tag).where(BeneficiaryTag.beneficiary_id == beneficiary_id)
    )
    audit = await session.execute(
        select(AuditEvent.action, AuditEvent.staff_member_id, AuditEvent.details).where(
            AuditEvent.beneficiary_id == beneficiary_id
        )
    )
    return tuple(tags.all()), tuple(audit.all())


async def test_an_imported_erased_number_is_flagged_as_a_message_from_it_is(
    session: AsyncSession,
) -> None:
    site = await erased_twice(session)
    report = await run_import(session, site)
    wrote, _created = await find_or_create_contact(
        session, channel="sms", address=ERASED_BY_MESSAGE
    )
    imported = await contact_of(session, ERASED_BY_FILE)
    by_file = await flags(session, imported.beneficiary_id)
    assert by_file == await flags(session, wrote.beneficiary_id)
    assert by_file == ((RECONTACT_TAG,), (("recontact_after_erasure", None, {"channel": "sms"}),))
    marie = await contact_of(session, "+33699887766")
    assert await flags(session, marie.beneficiary_id) == ((), ())
    assert (report.created, report.contacts_added) == (2, 2)
    assert [(r.line, r.raw, r.code) for r in report.recontacts] == [
        (2, ERASED_BY_FILE, "recontact_after_erasure")
    ]
    assert report.recontacts[0].reason.startswith(
        "ce contact appartenait à une personne dont les données ont été effacées"
    )


async def test_the_file_is_no_proof_of_an_erased_persons_consent(session: AsyncSession) -> None:
    site = await erased_twice(session)
    await run_import(session, site)
    imported = await contact_of(session, ERASED_BY_FILE)
    marie = await contact_of(session, "+33699887766")
    events = (
        await session.execute(
            select(ConsentEvent.contact_point_id, ConsentEvent.kind, ConsentEvent.source).where(
                ConsentEvent.contact_point_id.is_not(None)
            )
        )
    ).all()
    assert events == [(marie.id, "opt_in", "import")]
    assert (imported.opted_out, marie.opted_out) == (True, False)
    again = await run_import(session, site)
    assert (again.created, again.unchanged, again.recontacts) == (0, 2, ())


async def test_a_dry_run_names_the_line_and_keeps_no_flag(session: AsyncSession) -> None:
    site = await erased_twice(session)
    dry = await run_import(session, site, dry_run=True)
    assert [r.line for r in dry.recontacts] == [2]
    tags = (await session.scalars(select(BeneficiaryTag.tag))).all()
    assert RECONTACT_TAG not in tags
