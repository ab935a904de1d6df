"""The shipped 300-line user file (XLSX and CSV): what the import reports, tags and reaches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import AudienceFilter, AudienceSources, resolve_audience, summarise_audience
from broadcast.importfile import ImportResult, read_user_file
from broadcast.importing import import_people
from db.models import Beneficiary, ContactPoint, Site
from tests.broadcast.fixtures.usagers import HERE, ISOLATED, Line, people
from tests.factories import create_site

FILES = ("usagers.xlsx", "usagers.csv")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SMS_KINDS = {"mobile", "mobile_and_landline", "overseas"}


def read(name: str) -> ImportResult:
    return read_user_file(HERE / name, filename=name)


def lines_of(*kinds: str) -> list[int]:
    return [line.line for line in people() if line.kind in kinds]


def people_count() -> int:
    # A duplicate line is merged into the line before; a relative stays a person of their own.
    return sum(1 for line in people() if line.kind != "duplicate")


@pytest.mark.parametrize("name", FILES)
def test_the_report_names_every_column_sheet_number_and_merge(name: str) -> None:
    result = read(name)

    assert result.header_line == 3
    assert dict(result.columns)["Situation"] == "tags"
    assert dict(result.columns)["Antenne"] == "site"
    assert result.ignored_columns == ("N° dossier", "Date d'inscription", "Remarques")
    assert len(result.rows) == people_count()
    assert [(r.line, r.code) for r in result.rejected] == [(304, "total_line")]
    assert [m.line for m in result.merged] == [line - 1 for line in lines_of("duplicate")]
    assert [s.other_lines[0] for s in result.shared_phones] == lines_of("relative")
    codes = {(w.line, w.code) for w in result.warnings}
    for line in lines_of("landline_only", "mobile_and_landline"):
        assert (line, "not_sms_fixed") in codes
    for line in lines_of("toll_free_only"):
        assert (line, "not_sms_toll_free") in codes
    for line in lines_of("relative"):
        assert (line, "shared_phone") in codes
    assert not any(w.code == "unknown_language" for w in result.warnings)


def test_the_workbook_fills_the_merged_site_and_names_both_sheets() -> None:
    result = read("usagers.xlsx")

    assert [(s.name, s.read) for s in result.sheets] == [
        ("Usagers 2025", True),
        ("Bénévoles", False),
    ]
    merged = [w for w in result.warnings if w.code == "merged_cells"]
    assert [(w.line, w.message) for w in merged] == [
        (10, "cellules fusionnées F10:F14 : « Lézignan » recopié sur les lignes 11 à 14")
    ]
    sites = {row.line: row.site for row in result.rows}
    assert [sites[line] for line in range(10, 15)] == ["Lézignan"] * 5


@pytest.mark.parametrize("name", FILES)
def test_every_person_gets_the_truth_of_their_line(name: str) -> None:
    result = read(name)
    by_line = {row.line: row for row in result.rows}
    truth = {line.line: line for line in people() if line.kind != "duplicate"}

    assert set(by_line) == set(truth)
    for number, line in truth.items():
        row = by_line[number]
        assert row.phone == line.sms or (line.kind == "relative" and row.shared_phone), number
        assert row.language == line.language, number
        assert row.site == line.site, number
        assert row.tags == line.tags, number


@pytest.mark.parametrize("name", FILES)
def test_tags_are_folded_and_every_spelling_reported(name: str) -> None:
    result = read(name)
    seen = {tag.tag: tag for tag in result.tags}
    truth = [line for line in people() if line.kind != "duplicate"]

    assert set(seen) == {"isole", "a-risque"}
    assert seen["isole"].people == sum(1 for line in truth if "isole" in line.tags)
    assert seen["a-risque"].people == sum(1 for line in truth if "a-risque" in line.tags)
    assert set(ISOLATED) <= set(seen["isole"].written)
    assert {"à risque", "a risque", "A RISQUE"} <= set(seen["a-risque"].written)


def vulnerable_in_lezignan(line: Line) -> bool:
    return (
        line.site == "Lézignan"
        and bool(line.tags & {"isole", "a-risque"})
        and line.kind in SMS_KINDS
    )


@pytest.mark.parametrize("name", FILES)
async def test_an_alert_to_vulnerable_people_of_a_site_reaches_all_of_them(
    session: AsyncSession, name: str
) -> None:
    site = await create_site(session)
    report = await import_people(
        session,
        result=read(name),
        organisation_id=site.organisation_id,
        default_site_id=site.id,
        source=name,
    )
    assert report.created == people_count()
    assert report.tag_labels == {"isole": "Isolé·e", "a-risque": "À risque"}
    lezignan = await session.scalar(select(Site).where(Site.slug == "lezignan"))
    assert lezignan is not None

    criteria = AudienceFilter(sites=("lezignan",), tags=("Isolée", "à risque"), channels=("sms",))
    audience = await resolve_audience(
        session,
        organisation_id=site.organisation_id,
        criteria=criteria,
        now=NOW,
        sources=AudienceSources(),
    )
    summary = await summarise_audience(session, audience)

    expected = sum(1 for line in people() if vulnerable_in_lezignan(line))
    assert expected > 40  # the fixture holds enough of them to matter
    assert summary.count == expected
    sms = await session.scalar(
        select(func.count()).select_from(ContactPoint).where(ContactPoint.channel == "sms")
    )
    assert sms == sum(1 for line in people() if line.kind in SMS_KINDS)
    landline_only = await session.scalar(
        select(Beneficiary).where(
            Beneficiary.last_name == "Richard", Beneficiary.first_name == "Amina"
        )
    )
    assert landline_only is not None
    assert landline_only.fields["phones"] == [{"number": "+33468000510", "kind": "fixed"}]

    # Narbonne's relatives share a phone with the line before them: reached on that number.
    narbonne = AudienceFilter(sites=("narbonne",), tags=("isolé", "à risque"), channels=("sms",))
    families = await summarise_audience(
        session,
        await resolve_audience(
            session,
            organisation_id=site.organisation_id,
            criteria=narbonne,
            now=NOW,
            sources=AudienceSources(),
        ),
    )
    relatives = lines_of("relative")
    vulnerable = [
        line
        for line in people()
        if line.site == "Narbonne"
        and line.tags & {"isole", "a-risque"}
        and line.kind != "duplicate"
    ]
    assert len(relatives) == families.through_shared == 10
    assert families.people == sum(1 for line in vulnerable if line.kind in SMS_KINDS) + 10
    # Their holders are not in this public themselves: each gets the one message of the number.
    assert families.proxies == 10 and families.count == families.people


@pytest.mark.parametrize("name", FILES)
async def test_importing_the_file_again_changes_nothing(session: AsyncSession, name: str) -> None:
    site = await create_site(session)
    values = {
        "organisation_id": site.organisation_id,
        "default_site_id": site.id,
        "source": name,
    }
    await import_people(session, result=read(name), **values)  # type: ignore[arg-type]
    again = await import_people(session, result=read(name), **values)  # type: ignore[arg-type]

    assert (again.created, again.updated, again.unchanged) == (0, 0, people_count())
    assert again.tags_created == ()
