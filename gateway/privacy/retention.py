"""Retention: how long each kind of data is kept, per organisation, and the purge applying it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import InvalidError
from db.models import Beneficiary, Message, Organisation
from gateway.audit import PURGE, RETENTION_SETTINGS, record_audit
from gateway.privacy.counts import add_counts, month_label
from gateway.privacy.erasure import BY_RETENTION, erase_person
from gateway.privacy.provider_deletions import queue_missed_deletions
from gateway.privacy.sources import (
    MAX_MONTHS,
    MIN_MONTHS,
    PrivacyRegistry,
    PurgeRun,
    RetentionPolicy,
)

INACTIVE_PEOPLE = "inactive_people"
CORE_DEFAULTS = {INACTIVE_PEOPLE: 24}
SETTINGS_KEY = "retention"


class InvalidRetention(ValueError, InvalidError):
    """A retention setting that cannot be applied; the message says why, in French."""


def retention_defaults(registry: PrivacyRegistry) -> dict[str, int]:
    """Return every kind of data with its default months: people, then each source's kinds."""
    return {**CORE_DEFAULTS, **registry.retention_defaults()}


def policy_for(settings: Mapping[str, Any], defaults: Mapping[str, int]) -> RetentionPolicy:
    """Return an organisation's policy: its own months where set, the defaults elsewhere."""
    chosen = settings.get(SETTINGS_KEY) or {}
    months = dict(defaults)
    months.update({k: int(v) for k, v in chosen.items() if k in defaults})
    return RetentionPolicy(months)


def validate_retention(
    changes: Mapping[str, object], defaults: Mapping[str, int]
) -> dict[str, int]:
    """Check months asked for each kind; raise InvalidRetention naming the first wrong one."""
    valid: dict[str, int] = {}
    for kind, months in changes.items():
        if kind not in defaults:
            known = ", ".join(sorted(defaults))
            raise InvalidRetention(f"type de données inconnu : « {kind} » (connus : {known})")
        if isinstance(months, bool) or not isinstance(months, int):
            raise InvalidRetention(f"« {kind} » : un nombre entier de mois est attendu")
        if not MIN_MONTHS <= months <= MAX_MONTHS:
            raise InvalidRetention(
                f"« {kind} » : entre {MIN_MONTHS} et {MAX_MONTHS} mois, pas {months}"
            )
        valid[kind] = months
    return valid


async def set_retention(
    session: AsyncSession,
    organisation: Organisation,
    changes: Mapping[str, object],
    *,
    defaults: Mapping[str, int],
    staff_id: int | None,
) -> RetentionPolicy:
    """Validate and store an organisation's retention months, audited; return the new policy."""
    valid = validate_retention(changes, defaults)
    settings = dict(organisation.settings or {})
    settings[SETTINGS_KEY] = {**(settings.get(SETTINGS_KEY) or {}), **valid}
    organisation.settings = settings  # a new dict, so the JSON column is seen as changed
    record_audit(
        session,
        staff_id=staff_id,
        action=RETENTION_SETTINGS,
        details={"organisation": organisation.slug, "months": valid},
    )
    await session.flush()
    return policy_for(settings, defaults)


@dataclass(frozen=True)
class PurgeReport:
    organisation: str
    counts: dict[str, int]
    dry_run: bool


async def inactive_people(
    session: AsyncSession, *, organisation_id: int, cutoff: datetime
) -> list[int]:
    """Return the people of an organisation with no message and no change since `cutoff`."""
    recent = (
        select(Message.id)
        .where(Message.beneficiary_id == Beneficiary.id, Message.created_at >= cutoff)
        .exists()
    )
    ids = await session.scalars(
        select(Beneficiary.id)
        .where(
            Beneficiary.organisation_id == organisation_id,
            Beneficiary.erased_at.is_(None),
            Beneficiary.created_at < cutoff,
            Beneficiary.updated_at < cutoff,
            or_(Beneficiary.last_contact_at.is_(None), Beneficiary.last_contact_at < cutoff),
            ~recent,
        )
        .order_by(Beneficiary.id)
    )
    return list(ids)


async def purge_organisation(
    session: AsyncSession,
    registry: PrivacyRegistry,
    *,
    organisation: Organisation,
    now: datetime,
    dry_run: bool,
) -> PurgeReport:
    """Let every source purge what is past its time, then erase the people gone quiet.

    Sources go first so that a dry run counts what the real run removes: erasing a person
    first would blank texts the message source then no longer counts.
    """
    policy = policy_for(organisation.settings or {}, retention_defaults(registry))
    run = PurgeRun(organisation_id=organisation.id, policy=policy, now=now, dry_run=dry_run)
    counts: dict[str, int] = {}
    for source in registry.for_removal():
        counts.update(await source.purge(session, run))
    cutoff = policy.cutoff(INACTIVE_PEOPLE, now)
    people = (
        []
        if cutoff is None
        else await inactive_people(session, organisation_id=organisation.id, cutoff=cutoff)
    )
    counts[INACTIVE_PEOPLE] = len(people)
    if not dry_run and people:
        for person_id in people:
            await erase_person(
                session,
                registry,
                beneficiary_id=person_id,
                staff_id=None,
                trigger=BY_RETENTION,
                via="retention",
                now=now,
            )
        await add_counts(
            session,
            organisation_id=organisation.id,
            kind=INACTIVE_PEOPLE,
            buckets=[(month_label(now), "", "", len(people))],
        )
    if not dry_run and any(counts.values()):
        record_audit(
            session,
            staff_id=None,
            action=PURGE,
            details={"organisation": organisation.slug, "counts": counts},
            at=now,
        )
    return PurgeReport(organisation.slug, counts, dry_run)


async def purge_all(
    session: AsyncSession, registry: PrivacyRegistry, *, now: datetime, dry_run: bool
) -> list[PurgeReport]:
    """Apply every organisation's retention policy; with `dry_run`, only count."""
    organisations = list(await session.scalars(select(Organisation).order_by(Organisation.id)))
    reports = [
        await purge_organisation(
            session, registry, organisation=organisation, now=now, dry_run=dry_run
        )
        for organisation in organisations
    ]
    if not dry_run:
        await queue_missed_deletions(session)
    await session.flush()
    return reports
