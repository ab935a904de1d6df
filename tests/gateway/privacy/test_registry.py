from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEvent, Organisation
from gateway.privacy.builtin import core_registry
from gateway.privacy.erasure import erase_person
from gateway.privacy.export import export_person
from gateway.privacy.retention import (
    InvalidRetention,
    purge_all,
    retention_defaults,
    validate_retention,
)
from gateway.privacy.sources import DuplicateSource, PersonalDataSource, PrivacyRegistry
from tests.factories import create_person
from tests.gateway.privacy.plugin import MemorySource

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def tickets(journal: list[str] | None = None) -> MemorySource:
    return MemorySource("tickets", "Tickets d'accueil", "resolved_tickets", 24, journal=journal)


def test_a_stand_in_source_satisfies_the_protocol_and_names_are_unique() -> None:
    registry = core_registry()
    source = tickets()
    assert isinstance(source, PersonalDataSource)
    registry.register(source)
    with pytest.raises(DuplicateSource):
        registry.register(tickets())
    assert registry.names == ["identity", "contacts", "consent", "messages", "audit", "tickets"]


async def test_export_asks_every_source_including_a_domain_and_is_audited(
    session: AsyncSession,
) -> None:
    person = await create_person(session)
    registry = core_registry()
    source = tickets()
    source.rows[person.id] = [{"summary": "logement", "opened_at": "2026-01-02T10:00:00+00:00"}]
    registry.register(source)
    export = await export_person(
        session, registry, beneficiary_id=person.id, staff_id=None, via="test"
    )
    sections = {s["name"]: s for s in export["sections"]}
    assert sections["tickets"]["data"] == source.rows[person.id]
    assert sections["tickets"]["title"] == "Tickets d'accueil"
    assert source.calls == [("export", person.id)]
    audited = (await session.scalars(select(AuditEvent.action))).all()
    assert audited == ["export"]


async def test_erasure_runs_domains_before_the_core_latest_registered_first(
    session: AsyncSession,
) -> None:
    person = await create_person(session)
    journal: list[str] = []
    registry = core_registry()
    registry.register(tickets(journal))
    registry.register(
        MemorySource("enrolments", "Inscriptions", "past_enrolments", 12, journal=journal)
    )
    assert [s.name for s in registry.for_removal()][:3] == ["enrolments", "tickets", "audit"]
    done = await erase_person(session, registry, beneficiary_id=person.id, staff_id=None)
    assert journal == ["enrolments", "tickets"]
    assert set(done.rows) == set(registry.names)


async def test_purge_gives_each_domain_its_organisation_months_and_the_dry_run_flag(
    session: AsyncSession,
) -> None:
    person = await create_person(session)
    org = await session.get_one(Organisation, person.organisation_id)
    org.settings = {"retention": {"resolved_tickets": 6}}
    registry = core_registry()
    source = tickets()
    registry.register(source)
    old = (NOW - relativedelta(months=7)).isoformat()
    recent = (NOW - relativedelta(months=5)).isoformat()
    source.rows[person.id] = [
        {"summary": "ancien", "opened_at": old},
        {"summary": "récent", "opened_at": recent},
    ]
    await session.flush()

    preview = await purge_all(session, registry, now=NOW, dry_run=True)
    assert preview[0].counts["resolved_tickets"] == 1
    assert len(source.rows[person.id]) == 2
    done = await purge_all(session, registry, now=NOW, dry_run=False)
    assert done[0].counts["resolved_tickets"] == 1
    assert [r["summary"] for r in source.rows[person.id]] == ["récent"]
    purges = [args for name, args in source.calls if name == "purge"]
    assert purges == [
        (org.id, NOW - relativedelta(months=6), True),
        (org.id, NOW - relativedelta(months=6), False),
    ]


def test_retention_settings_know_the_domains_kinds_and_refuse_others() -> None:
    registry: PrivacyRegistry = core_registry()
    registry.register(tickets())
    defaults = retention_defaults(registry)
    assert defaults["resolved_tickets"] == 24
    assert defaults["message_bodies"] == 12
    assert defaults["inactive_people"] == 24
    assert validate_retention({"resolved_tickets": 36}, defaults) == {"resolved_tickets": 36}
    with pytest.raises(InvalidRetention, match="inconnu"):
        validate_retention({"everything": 1}, defaults)
    for wrong in (0, 601, "12", 1.5, True):
        with pytest.raises(InvalidRetention):
            validate_retention({"message_bodies": wrong}, defaults)
