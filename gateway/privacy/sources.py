"""What every domain implements so that one person's data can be exported, erased and purged.

How a domain plugs in (tickets, enrolments, reminders, broadcast recipients…):

1. Write a class with the attributes and three methods of `PersonalDataSource` below, in the
   domain package (e.g. `bot/privacy.py`), importing only `db` and `gateway`.
2. Register one instance in `lien/wiring.py`: `runtime.privacy.register(TicketsSource())`.
3. Test it with `tests/gateway/privacy/test_registry.py` as a model: the export is JSON-ready,
   the erasure leaves no phone number or free text of the person in the domain's tables (the
   table scan in `tests/gateway/privacy/test_erasure.py` checks every table of the metadata),
   the purge counts what it would remove when `run.dry_run` is true and removes nothing.

Order: sources run in reverse order of registration, so a domain registered after the core
erases and purges its rows before the core blanks the person and deletes their contacts and
old messages. A domain table pointing at `messages` or `contact_points` should still say
`ondelete="SET NULL"` (or CASCADE) so the core's deletions never fail on it.

Everything runs in the caller's transaction: flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from dateutil.relativedelta import relativedelta
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import NotFoundError

Exported = dict[str, Any] | list[dict[str, Any]]
MIN_MONTHS = 1
MAX_MONTHS = 600


@dataclass(frozen=True)
class RetentionPolicy:
    """How many months each kind of data is kept, for one organisation."""

    months: Mapping[str, int] = field(default_factory=dict)

    def cutoff(self, kind: str, now: datetime) -> datetime | None:
        """Return the moment before which data of this kind goes; None if the kind is unknown."""
        months = self.months.get(kind)
        return None if months is None else now - relativedelta(months=months)


@dataclass(frozen=True)
class PurgeRun:
    """One organisation's retention run, as every source is handed it."""

    organisation_id: int
    policy: RetentionPolicy
    now: datetime
    dry_run: bool

    def cutoff(self, kind: str) -> datetime | None:
        """Return the moment before which data of this kind goes; None if the kind is unknown."""
        return self.policy.cutoff(kind, self.now)


@runtime_checkable
class PersonalDataSource(Protocol):
    """One domain's share of a person's data.

    name:      a stable identifier (lower case, no spaces): the key of the section in the JSON
               export and in erasure and purge reports. Unique in the registry.
    title:     the French title of the section in the readable export ("Tickets d'accueil").
    labels:    field key -> French label, for the readable export's column headers; keys
               without a label are shown as they are.
    retention: the kinds of data this source purges -> default months, e.g.
               {"resolved_tickets": 24}; an organisation may override each in
               `organisations.settings["retention"]`. Empty when the source purges nothing.
    """

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def labels(self) -> Mapping[str, str]: ...

    @property
    def retention(self) -> Mapping[str, int]: ...

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        """Return everything this domain holds about the person, JSON-ready.

        A list of flat dicts (one per row: a ticket, an enrolment) or one dict. Values are
        str, int, float, bool, None, ISO 8601 strings for datetimes, or lists/dicts of those.
        Include free text as it is: this is the person's right of access.
        """
        ...

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        """Remove or blank the person's personal data in this domain; return the rows touched.

        Delete rows that only make sense for the person (an enrolment); blank free text and
        identifying columns of rows kept for anonymous statistics (a ticket's notes).
        Must be idempotent: erasing twice touches nothing the second time.
        """
        ...

    async def purge(self, session: AsyncSession, run: PurgeRun) -> dict[str, int]:
        """Apply the retention policy to one organisation; return {kind: rows} per kind.

        `run.cutoff(kind)` gives the limit for each kind in `retention`. Before deleting
        rows that statistics need, add their anonymous counts with
        `gateway.privacy.counts.add_counts`. With `run.dry_run`, count only and change nothing.
        """
        ...


class DuplicateSource(ValueError):
    """Two sources registered under one name."""


class PrivacyRegistry:
    """The personal-data sources of every domain, in registration order."""

    def __init__(self) -> None:
        self._sources: list[PersonalDataSource] = []

    def register(self, source: PersonalDataSource) -> None:
        if any(s.name == source.name for s in self._sources):
            raise DuplicateSource(f"source de données personnelles déjà inscrite : {source.name}")
        self._sources.append(source)

    def __iter__(self) -> Iterator[PersonalDataSource]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self._sources]

    def for_removal(self) -> list[PersonalDataSource]:
        """Return the sources in the order erasure and purge run them: the last inscribed first."""
        return list(reversed(self._sources))

    def retention_defaults(self) -> dict[str, int]:
        """Return every kind of data some source purges, with its default months."""
        defaults: dict[str, int] = {}
        for source in self._sources:
            defaults.update(source.retention)
        return defaults


class UnknownBeneficiary(LookupError, NotFoundError):
    """No record has this id."""

    def __init__(self, beneficiary_id: int) -> None:
        super().__init__(f"bénéficiaire introuvable : {beneficiary_id}")
        self.beneficiary_id = beneficiary_id

    @property
    def message(self) -> str:
        # Another association's id answers exactly as one that does not exist.
        return "bénéficiaire introuvable"
