"""The broadcast form of the console: what staff pick and type, read into a draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import AudienceFilter
from broadcast.service import Draft
from db.models import Beneficiary, BeneficiaryTag, Event, Site
from gateway.outbox import CHANNEL_PREFERENCE
from lien.console.events_view import title_of
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem

# The languages people write in most; French is required, the others fall back to it.
TEXT_LANGUAGES = ("fr", "en", "ar", "ti", "fa", "ps")
MAX_TEXT = 1600
MAX_DAYS = 3650
BAD_NUMBER = Problem(N_("Indiquez un nombre de jours entre 0 et %(limit)s."), {"limit": MAX_DAYS})
BAD_MOMENT = Problem(N_("Indiquez une date et une heure, ou laissez vide pour maintenant."))
PAST_MOMENT = Problem(N_("Ce moment est déjà passé."))


@dataclass(frozen=True)
class Choices:
    """What the audience builder offers, for one organisation."""

    sites: list[tuple[str, str]]
    tags: list[str]
    events: list[tuple[str, str]]
    channels: tuple[str, ...] = CHANNEL_PREFERENCE
    languages: tuple[str, ...] = TEXT_LANGUAGES


async def choices_for(session: AsyncSession, *, organisation_id: int) -> Choices:
    """Return the sites, tags and events the audience may be narrowed by."""
    sites = await session.execute(
        select(Site.slug, Site.name)
        .where(Site.organisation_id == organisation_id)
        .order_by(Site.name)
    )
    tags = await session.scalars(
        select(BeneficiaryTag.tag)
        .join(Beneficiary, Beneficiary.id == BeneficiaryTag.beneficiary_id)
        .where(Beneficiary.organisation_id == organisation_id)
        .distinct()
        .order_by(BeneficiaryTag.tag)
    )
    events = await session.scalars(
        select(Event)
        .join(Site, Site.id == Event.site_id)
        .where(Site.organisation_id == organisation_id)
        .order_by(Event.id.desc())
        .limit(100)
    )
    return Choices(
        sites=[(slug, name) for slug, name in sites],
        tags=list(tags),
        events=[(str(event.id), title_of(event)) for event in events],
    )


def _days(form: FormReader, name: str) -> int | None:
    raw = form.text(name, max_length=10)
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_DAYS:
        form.refuse(name, BAD_NUMBER)
        return None
    return int(raw)


def read_audience(form: FormReader, choices: Choices) -> AudienceFilter:
    """Return the audience ticked in the form; bad fields are refused on `form`."""
    event = form.choice("event_id", [value for value, _ in choices.events])
    return AudienceFilter(
        sites=tuple(form.many("sites", [slug for slug, _ in choices.sites])),
        tags=tuple(form.many("tags", choices.tags)),
        exclude_tags=tuple(form.many("exclude_tags", choices.tags)),
        languages=tuple(form.many("languages", choices.languages)),
        channels=tuple(form.many("channels", choices.channels)),
        event_id=int(event) if event else None,
        contacted_within_days=_days(form, "contacted_within_days"),
        not_contacted_for_days=_days(form, "not_contacted_for_days"),
    )


def read_texts(form: FormReader, *, required: bool) -> dict[str, str]:
    """Return the texts typed, one per language; French must be there when `required`."""
    texts = {}
    for language in TEXT_LANGUAGES:
        body = form.text(
            f"text_{language}", required=required and language == "fr", max_length=MAX_TEXT
        )
        if body:
            texts[language] = body
    return texts


def read_moment(form: FormReader, name: str, *, timezone: str, now: datetime) -> datetime | None:
    """Return a local date and time typed in the form, in UTC; empty means none."""
    raw = form.text(name, max_length=20)
    if not raw:
        return None
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        form.refuse(name, BAD_MOMENT)
        return None
    moment = local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    if moment <= now:
        form.refuse(name, PAST_MOMENT)
    return moment


def read_draft(form: FormReader, choices: Choices, *, timezone: str, now: datetime) -> Draft | None:
    """Return the draft written in the form, or None with every bad field refused."""
    title = form.text("title", required=True)
    audience = read_audience(form, choices)
    texts = read_texts(form, required=True)
    urgent = form.flag("urgent")
    stop_notice = form.flag("stop_notice")
    send_at = read_moment(form, "send_at", timezone=timezone, now=now)
    if not form.ok:
        return None
    return Draft(
        title=title,
        texts=texts,
        audience=audience,
        urgent=urgent,
        stop_notice=stop_notice,
        send_at=send_at,
    )


EMPTY_FORM = {"stop_notice": "on"}
