"""What a broadcast will look like and cost, per language and channel, before it is sent.

Names and site names can change the alphabet of one person's SMS (a "ç" in François makes it
UCS-2), so the figures come from every distinct personalised text, not from one example.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import String, func, null, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import Audience
from broadcast.composition import Personal, check_length, compose, text_language, uses_field
from broadcast.cost import ChannelCost, CostEstimate, estimate_cost
from db.models import Beneficiary, Site
from gateway.encoding import Encoding, SmsAnalysis, analyze_sms

# A column left out of the grouping.
_NOTHING: Any = type_coerce(null(), String)


@dataclass(frozen=True)
class TextPreview:
    """One language's text: how it travels by SMS, who reads it, what it costs."""

    language: str
    # The languages of the people who get this text (others fall back to French).
    read_by: tuple[str, ...]
    recipients: int
    by_channel: dict[str, int]
    example: str
    encoding: Encoding
    length: int
    segments: int
    # The characters of the text that force UCS-2, and the GSM-7 wording offered instead.
    ucs2_chars: tuple[str, ...]
    suggestion: str | None
    # SMS recipients whose own name or site name turns their message into UCS-2.
    personalised_ucs2: int
    sms_segments: int
    cost: CostEstimate


@dataclass(frozen=True)
class Preview:
    recipients: int
    texts: tuple[TextPreview, ...]
    cost: CostEstimate


@dataclass
class _Tally:
    read_by: set[str]
    by_channel: dict[str, int]
    # SMS recipients per segment count, for the cost.
    sms_by_segments: dict[int, int]
    personalised_ucs2: int = 0
    example: Personal | None = None


async def preview_texts(
    session: AsyncSession,
    *,
    audience: Audience,
    texts: Mapping[str, str],
    stop_notice: bool,
    prices: Mapping[str, Decimal],
) -> Preview:
    """Return the preview of every text for this audience, with the estimated costs.

    Raises Invalid when a text with its STOP notice is longer than the provider accepts.
    """
    check_length(texts, stop_notice=stop_notice)
    tallies = {language: _Tally(set(), {}, {}) for language in texts}
    by_name = uses_field(texts, "first_name")
    by_site = uses_field(texts, "site")
    analysis = cache(analyze_sms)
    plain = {
        language: analysis(
            compose(texts, language=language, personal=Personal(), stop_notice=stop_notice)
        ).encoding
        for language in texts
    }
    for language, channel, first_name, site, count in await _groups(
        session, audience, by_name=by_name, by_site=by_site
    ):
        chosen = text_language(texts, language)
        tally = tallies[chosen]
        personal = Personal(first_name=first_name, site=site)
        tally.example = tally.example or personal
        tally.read_by.add(language)
        tally.by_channel[channel] = tally.by_channel.get(channel, 0) + count
        if channel != "sms":
            continue
        sms = analysis(compose(texts, language=chosen, personal=personal, stop_notice=stop_notice))
        tally.sms_by_segments[sms.segments] = tally.sms_by_segments.get(sms.segments, 0) + count
        if sms.encoding == "UCS-2" and plain[chosen] == "GSM-7":
            tally.personalised_ucs2 += count
    previews = tuple(
        _text_preview(language, texts, tally, stop_notice=stop_notice, prices=prices)
        for language, tally in sorted(tallies.items(), key=lambda item: _order(item[0]))
    )
    return Preview(
        recipients=sum(p.recipients for p in previews),
        texts=previews,
        cost=combine_costs(p.cost for p in previews),
    )


def _order(language: str) -> tuple[int, str]:
    return (0 if language == "fr" else 1, language)


async def _groups(
    session: AsyncSession, audience: Audience, *, by_name: bool, by_site: bool
) -> list[tuple[str, str, str | None, str | None, int]]:
    # Group only by what the texts use, so that an unpersonalised text costs one row per
    # language and channel, whatever the size of the audience.
    columns: list[Any] = [
        Beneficiary.language.label("language"),
        audience.channel().label("channel"),
        (Beneficiary.first_name if by_name else _NOTHING).label("first_name"),
        (Site.name if by_site else _NOTHING).label("site"),
    ]
    inner = (
        select(*columns)
        .select_from(Beneficiary)
        .outerjoin(Site, Site.id == Beneficiary.site_id)
        .where(*audience.conditions)
        .subquery()
    )
    keys = (inner.c.language, inner.c.channel, inner.c.first_name, inner.c.site)
    rows = await session.execute(select(*keys, func.count()).group_by(*keys).order_by(*keys))
    return [
        (language, channel, first_name, site, count)
        for language, channel, first_name, site, count in rows
    ]


def _text_preview(
    language: str,
    texts: Mapping[str, str],
    tally: _Tally,
    *,
    stop_notice: bool,
    prices: Mapping[str, Decimal],
) -> TextPreview:
    example = compose(
        texts, language=language, personal=tally.example or Personal(), stop_notice=stop_notice
    )
    shown: SmsAnalysis = analyze_sms(example)
    template = analyze_sms(
        compose(texts, language=language, personal=Personal(), stop_notice=stop_notice)
    )
    others = {ch: n for ch, n in tally.by_channel.items() if ch != "sms"}
    estimates = [
        estimate_cost(segments=segments, recipients_by_channel={"sms": count}, prices=prices)
        for segments, count in sorted(tally.sms_by_segments.items())
    ]
    estimates.append(estimate_cost(segments=1, recipients_by_channel=others, prices=prices))
    return TextPreview(
        language=language,
        read_by=tuple(sorted(tally.read_by)),
        recipients=sum(tally.by_channel.values()),
        by_channel=dict(sorted(tally.by_channel.items())),
        example=example,
        encoding=shown.encoding,
        length=shown.length,
        segments=shown.segments,
        ucs2_chars=template.ucs2_chars,
        suggestion=analyze_sms(texts[language]).suggestion,
        personalised_ucs2=tally.personalised_ucs2,
        sms_segments=sum(s * n for s, n in tally.sms_by_segments.items()),
        cost=combine_costs(estimates),
    )


def combine_costs(estimates: Iterable[CostEstimate]) -> CostEstimate:
    """Add estimates up channel by channel."""
    lines: dict[str, ChannelCost] = {}
    unpriced: set[str] = set()
    for estimate in estimates:
        unpriced.update(estimate.unpriced_channels)
        for line in estimate.channels:
            known = lines.get(line.channel)
            if known is None:
                lines[line.channel] = line
                continue
            lines[line.channel] = ChannelCost(
                channel=line.channel,
                recipients=known.recipients + line.recipients,
                units=known.units + line.units,
                unit_price=line.unit_price,
                cost=known.cost + line.cost,
            )
    channels = tuple(lines[name] for name in sorted(lines))
    return CostEstimate(
        total=sum((line.cost for line in channels), Decimal(0)),
        channels=channels,
        unpriced_channels=tuple(sorted(unpriced)),
    )
