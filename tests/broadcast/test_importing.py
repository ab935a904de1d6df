from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.import_sites import slugify
from broadcast.importfile import read_user_file
from broadcast.importing import ImportReport, import_people
from db.models import (
    Beneficiary,
    BeneficiaryTag,
    ConsentEvent,
    ContactPoint,
    MessageEvent,
    Site,
)
from gateway.consent import OPT_OUT, record_consent
from gateway.records import get_beneficiary
from tests.broadcast.conftest import other_organisation_site, second_site
from tests.factories import create_person, create_site

# Saved by Excel as "CSV (séparateur : point-virgule)": Windows-1252, CRLF, a title line above
# the headings, a duplicate, bad numbers, a person without contact, a number another
# organisation already has.
MESSY = (
    "Liste des usagers - AMI Nîmes\r\n"
    "Nom;Prénom;Téléphone;Langue;Catégorie;Site;Telegram\r\n"
    "DUPONT;Jean;06 12 34 56 78;français;Isolé, À risque;Nîmes centre;\r\n"
    "Martin;Amina;12 34;arabe;;;\r\n"
    "Dupont;;+33 6 12 34 56 78;;Colis;;\r\n"
    "Haile;Selam;;tigrinya;;;\r\n"
    "Karimi;Ahmad;07 98 76 54 32;dari;famille;Lézignan;123456789\r\n"
    "Bernard;Luc;abc;fr;;;\r\n"
    "Roux;Marie;06 99 88 77 66;;;;\r\n"
).encode("cp1252")


async def run_import(
    session: AsyncSession, site: Site, *, dry_run: bool = False, seen: list[int] | None = None
) -> ImportReport:
    return await import_people(
        session,
        result=read_user_file(MESSY, filename="usagers.csv"),
        organisation_id=site.organisation_id,
        default_site_id=site.id,
        source="usagers.csv",
        dry_run=dry_run,
        progress=seen.append if seen is not None else None,
    )


async def snapshot(session: AsyncSession) -> tuple[object, ...]:
    tables = (Beneficiary, ContactPoint, BeneficiaryTag, ConsentEvent, Site, MessageEvent)
    counts = [await session.scalar(select(func.count()).select_from(t)) for t in tables]
    people = await session.execute(
        select(Beneficiary.id, Beneficiary.first_name, Beneficiary.updated_at).order_by(
            Beneficiary.id
        )
    )
    return (*counts, *people.all())


async def prepared(session: AsyncSession) -> Site:
    site = await create_site(session)
    await second_site(session, site)
    elsewhere = await other_organisation_site(session)
    await create_person(session, site=elsewhere, first_name="Marie", phone="+33699887766")
    return site


async def test_a_messy_file_gives_the_exact_report(session: AsyncSession) -> None:
    site = await prepared(session)
    seen: list[int] = []
    report = await run_import(session, site, seen=seen)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (4, "numéro de téléphone invalide : « 12 34 »"),
        (6, "aucun moyen de contact"),
        (8, "numéro de téléphone invalide : « abc »"),
        (9, "ce contact appartient déjà à une personne d'une autre organisation"),
    ]
    assert [(m.line, m.merged_lines) for m in report.read.merged] == [(3, (5,))]
    assert report.sites_created == ("Nîmes centre",)
    assert report.contacts_added == 3
    assert seen == [3]
    jean = (
        await session.scalars(select(Beneficiary).where(Beneficiary.first_name == "Jean"))
    ).one()
    full = await get_beneficiary(session, jean.id)
    assert full is not None
    assert sorted(t.tag for t in full.tags) == ["a-risque", "colis", "isole"]
    assert [c.address for c in full.contact_points] == ["+33612345678"]
    ahmad = (
        await session.scalars(select(Beneficiary).where(Beneficiary.first_name == "Ahmad"))
    ).one()
    lezignan = await session.scalar(select(Site.id).where(Site.slug == "lezignan"))
    assert (ahmad.language, ahmad.site_id) == ("fa", lezignan)
    sources = set((await session.scalars(select(ConsentEvent.source))).all())
    assert sources == {"import"}


async def test_importing_the_same_file_again_changes_nothing(session: AsyncSession) -> None:
    site = await prepared(session)
    await run_import(session, site)
    before = await snapshot(session)
    again = await run_import(session, site)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert await snapshot(session) == before


async def test_a_dry_run_reports_the_same_and_keeps_nothing(session: AsyncSession) -> None:
    site = await prepared(session)
    before = await snapshot(session)
    dry = await run_import(session, site, dry_run=True)
    assert await snapshot(session) == before
    real = await run_import(session, site)
    assert (dry.created, dry.rejected, dry.sites_created) == (
        real.created,
        real.rejected,
        real.sites_created,
    )
    assert dry.dry_run and not real.dry_run


async def test_a_known_person_keeps_their_record_and_their_stop(session: AsyncSession) -> None:
    site = await prepared(session)
    known = await create_person(session, site=site, first_name=None, phone="+33612345678")
    await record_consent(session, beneficiary_id=known.id, kind=OPT_OUT, source="keyword")
    known.language = "en"
    report = await run_import(session, site)
    assert (report.created, report.updated) == (1, 1)
    person = await get_beneficiary(session, known.id)
    assert person is not None
    assert (person.first_name, person.last_name, person.language) == ("Jean", "DUPONT", "en")
    assert [c.opted_out for c in person.contact_points] == [True]
    kinds = (
        await session.scalars(
            select(ConsentEvent.kind).where(ConsentEvent.beneficiary_id == known.id)
        )
    ).all()
    assert kinds == [OPT_OUT]


def test_site_names_become_slugs() -> None:
    assert slugify("Nîmes centre") == "nimes-centre"
    assert slugify("  Lézignan-Corbières ") == "lezignan-corbieres"
    assert slugify("???") == "site"
