"""Who a broadcast goes to: filters turned into one SQL condition on the user file."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from broadcast.shared_phones import reached_through_holders
from broadcast.texts import Invalid
from db.models import Beneficiary, BeneficiaryTag, ContactPoint, Site
from gateway.outbox import CHANNEL_PREFERENCE
from gateway.tags import fold_tags

SAMPLE_SIZE = 10
# Given an event id, the ids of the people enrolled in it; provided by the app, since the
# events live in another domain.
EnrolmentLookup = Callable[[int], Select[int]]


@dataclass(frozen=True)
class AudienceSources:
    """Lists kept by other domains that an audience may be narrowed by."""

    enrolled: EnrolmentLookup | None = None


@dataclass(frozen=True)
class AudienceFilter:
    """What staff ask for; every empty criterion means "everyone"."""

    sites: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # any of them
    exclude_tags: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    event_id: int | None = None
    contacted_within_days: int | None = None
    not_contacted_for_days: int | None = None

    def __post_init__(self) -> None:
        clean = _clean_words
        object.__setattr__(self, "sites", clean(self.sites, lower=False))
        object.__setattr__(self, "tags", clean(self.tags))
        object.__setattr__(self, "exclude_tags", clean(self.exclude_tags))
        object.__setattr__(self, "languages", clean(self.languages))
        object.__setattr__(self, "channels", clean(self.channels))
        for channel in self.channels:
            if channel not in CHANNEL_PREFERENCE:
                known = ", ".join(CHANNEL_PREFERENCE)
                raise Invalid("unknown_channel", channel=channel, known=known)

    @property
    def allowed_channels(self) -> tuple[str, ...]:
        """Return the channels the broadcast may use, in order of preference."""
        return tuple(c for c in CHANNEL_PREFERENCE if not self.channels or c in self.channels)

    def to_json(self) -> dict[str, Any]:
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AudienceFilter:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name, value in known.items():
            if isinstance(value, list):
                known[name] = tuple(value)
        return cls(**known)


def _clean_words(values: Sequence[str], *, lower: bool = True) -> tuple[str, ...]:
    words = (" ".join(v.split()) for v in values)
    return tuple(dict.fromkeys(w.lower() if lower else w for w in words if w))


@dataclass(frozen=True)
class Audience:
    """A filter resolved for one organisation: the conditions on `beneficiaries`."""

    organisation_id: int
    channels: tuple[str, ...]
    conditions: tuple[ColumnElement[bool], ...] = field(default=())
    # (person, holder): people matching the filter reached on the number another person holds.
    shared: tuple[tuple[int, int], ...] = ()
    # Holders who get a message only for the relatives they share a number with.
    proxies: int = 0

    def ids(self) -> Select[int]:
        """Return the statement selecting the ids of everyone in the audience."""
        return select(Beneficiary.id).where(*self.conditions)

    def channel(self) -> ColumnElement[str]:
        """Return, per person, the channel a message will take (None if none is usable)."""
        return best_channel(self.channels)


def usable_contact(channels: Sequence[str]) -> ColumnElement[bool]:
    """Say, per person, whether a contact on these channels still accepts messages."""
    return exists().where(
        ContactPoint.beneficiary_id == Beneficiary.id,
        ContactPoint.opted_out.is_(False),
        ContactPoint.channel.in_(channels),
    )


def best_channel(channels: Sequence[str]) -> ColumnElement[str]:
    """The person's preferred channel, else Telegram (free), else SMS: as the outbox picks."""
    point = aliased(ContactPoint)
    ranks = {name: rank for rank, name in enumerate(CHANNEL_PREFERENCE, start=1)}
    # The best rank, then its channel: SQLite refuses outer columns in a subquery's ORDER BY.
    rank = case(
        (point.channel == Beneficiary.preferred_channel, 0),
        else_=case(ranks, value=point.channel, else_=len(ranks) + 1),
    )
    best = (
        select(func.min(rank))
        .where(
            point.beneficiary_id == Beneficiary.id,
            point.opted_out.is_(False),
            point.channel.in_(channels),
        )
        .correlate(Beneficiary)
        .scalar_subquery()
    )
    names: dict[int, Any] = {rank: literal(name) for name, rank in ranks.items()}
    return case({0: Beneficiary.preferred_channel, **names}, value=best)


async def resolve_audience(
    session: AsyncSession,
    *,
    organisation_id: int,
    criteria: AudienceFilter,
    now: datetime,
    sources: AudienceSources,
) -> Audience:
    """Turn a filter into conditions; raise Invalid for an unknown site or event filter."""
    channels = criteria.allowed_channels
    conditions: list[ColumnElement[bool]] = [Beneficiary.organisation_id == organisation_id]
    if criteria.sites:
        conditions.append(
            Beneficiary.site_id.in_(
                await _site_ids(session, organisation_id=organisation_id, slugs=criteria.sites)
            )
        )
    if criteria.tags:
        conditions.append(_has_tag(criteria.tags))
    if criteria.exclude_tags:
        conditions.append(~_has_tag(criteria.exclude_tags))
    if criteria.languages:
        conditions.append(Beneficiary.language.in_(criteria.languages))
    if criteria.contacted_within_days is not None:
        since = now - timedelta(days=criteria.contacted_within_days)
        conditions.append(Beneficiary.last_contact_at >= since)
    if criteria.not_contacted_for_days is not None:
        before = now - timedelta(days=criteria.not_contacted_for_days)
        conditions.append(
            or_(Beneficiary.last_contact_at.is_(None), Beneficiary.last_contact_at < before)
        )
    if criteria.event_id is not None:
        if sources.enrolled is None:
            raise Invalid("event_filter_unavailable")
        conditions.append(Beneficiary.id.in_(sources.enrolled(criteria.event_id)))
    reachable = usable_contact(channels)
    shared = await reached_through_holders(
        session,
        organisation_id=organisation_id,
        conditions=conditions,
        reachable=reachable,
        channels=channels,
    )
    matching: ColumnElement[bool] = and_(*conditions)
    proxies = 0
    if shared:
        # The holder of a shared number gets the one message of that number.
        holders = sorted({holder for _person, holder in shared})
        themselves = await session.scalar(
            select(func.count()).where(Beneficiary.id.in_(holders), reachable, matching)
        )
        proxies = len(holders) - (themselves or 0)
        matching = or_(matching, Beneficiary.id.in_(holders))
    return Audience(organisation_id, channels, (reachable, matching), shared, proxies)


def _has_tag(tags: Sequence[str]) -> ColumnElement[bool]:
    # "isolée" finds the people tagged "isole"; the spelling itself matches tags saved unfolded.
    forms = sorted({*tags, *fold_tags(tags)})
    return exists().where(
        BeneficiaryTag.beneficiary_id == Beneficiary.id, BeneficiaryTag.tag.in_(forms)
    )


async def _site_ids(
    session: AsyncSession, *, organisation_id: int, slugs: Sequence[str]
) -> list[int]:
    rows = await session.execute(
        select(Site.slug, Site.id).where(
            Site.organisation_id == organisation_id, Site.slug.in_(slugs)
        )
    )
    found = dict(rows.all())
    for slug in slugs:
        if slug not in found:
            raise Invalid("unknown_site", slug=slug)
    return list(found.values())


@dataclass(frozen=True)
class SampleRecipient:
    beneficiary_id: int
    first_name: str | None
    last_name: str | None
    language: str
    site: str | None
    channel: str


@dataclass(frozen=True)
class AudienceSummary:
    """How many people a broadcast reaches, on which channels and in which languages."""

    count: int
    by_channel: dict[str, int]
    by_language: dict[str, int]
    sample: tuple[SampleRecipient, ...]
    # People reached on a relative's number, with no message of their own.
    through_shared: int = 0
    # Recipients who are not in the public themselves, only the holders of a shared number.
    proxies: int = 0

    @property
    def people(self) -> int:
        """The people of this public the broadcast reaches (`count` is its messages)."""
        return self.count - self.proxies + self.through_shared


async def summarise_audience(
    session: AsyncSession, audience: Audience, *, sample_size: int = SAMPLE_SIZE
) -> AudienceSummary:
    """Count the audience by channel and language, and show the first few people."""
    groups = await language_channel_counts(session, audience)
    by_channel: dict[str, int] = {}
    by_language: dict[str, int] = {}
    for (language, channel), count in groups.items():
        by_channel[channel] = by_channel.get(channel, 0) + count
        by_language[language] = by_language.get(language, 0) + count
    rows = await session.execute(
        select(
            Beneficiary.id,
            Beneficiary.first_name,
            Beneficiary.last_name,
            Beneficiary.language,
            Site.name,
            audience.channel(),
        )
        .outerjoin(Site, Site.id == Beneficiary.site_id)
        .where(*audience.conditions)
        .order_by(Beneficiary.id)
        .limit(sample_size)
    )
    sample = tuple(SampleRecipient(*row) for row in rows)
    through_shared = len({person for person, _holder in audience.shared})
    return AudienceSummary(
        sum(groups.values()), by_channel, by_language, sample, through_shared, audience.proxies
    )


async def language_channel_counts(
    session: AsyncSession, audience: Audience
) -> dict[tuple[str, str], int]:
    """Count the audience per (language, channel)."""
    inner = (
        select(Beneficiary.language.label("language"), audience.channel().label("channel"))
        .where(*audience.conditions)
        .subquery()
    )
    rows = await session.execute(
        select(inner.c.language, inner.c.channel, func.count()).group_by(
            inner.c.language, inner.c.channel
        )
    )
    return {(language, channel): count for language, channel, count in rows}
