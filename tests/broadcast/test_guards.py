"""Guards before a broadcast leaves: a text the provider would refuse, the same alert twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import AudienceFilter, AudienceSources, resolve_audience
from broadcast.composition import SMS_BODY_LIMIT
from broadcast.preview import preview_texts
from broadcast.service import SCHEDULED, Draft, create_broadcast, submit_broadcast
from broadcast.texts import Invalid, Repeated, broadcast_text
from db.models import Site
from tests.broadcast.conftest import OPEN
from tests.factories import create_person, create_site

NONE = AudienceSources()
ALERT = {"fr": "Le centre est fermé demain, réouverture jeudi."}


async def people(session: AsyncSession, site: Site, phones: list[str], tag: str = "") -> None:
    for phone in phones:
        await create_person(session, site=site, phone=phone, tags=[tag] if tag else [])


async def draft(
    session: AsyncSession,
    site: Site,
    *,
    texts: dict[str, str] = ALERT,
    audience: AudienceFilter | None = None,
    stop_notice: bool = True,
) -> int:
    created = await create_broadcast(
        session,
        organisation_id=site.organisation_id,
        draft=Draft(
            title="Fermeture",
            texts=texts,
            audience=audience or AudienceFilter(),
            stop_notice=stop_notice,
        ),
        created_by=None,
    )
    return created.id


async def submit(session: AsyncSession, broadcast_id: int, **values: object) -> str:
    values = {"now": OPEN, **values}
    sent = await submit_broadcast(
        session,
        broadcast_id=broadcast_id,
        by=None,
        sources=NONE,
        **values,  # type: ignore[arg-type]
    )
    return sent.status


async def test_a_text_too_long_with_its_stop_notice_is_refused_in_preview_and_sending(
    session: AsyncSession,
) -> None:
    site = await create_site(session)
    await people(session, site, ["+33612345601"])
    notice = len(broadcast_text("stop_notice", "fr")) + 1
    fits = {"fr": "a" * (SMS_BODY_LIMIT - notice)}
    over = {"fr": "a" * (SMS_BODY_LIMIT - notice + 1)}
    audience = await resolve_audience(
        session,
        organisation_id=site.organisation_id,
        criteria=AudienceFilter(),
        now=OPEN,
        sources=NONE,
    )
    shown = await preview_texts(
        session, audience=audience, texts=fits, stop_notice=True, prices={"sms": Decimal(0)}
    )
    assert shown.texts[0].length == SMS_BODY_LIMIT
    with pytest.raises(Invalid, match=f"{SMS_BODY_LIMIT + 1} caractères avec la mention STOP"):
        await preview_texts(
            session, audience=audience, texts=over, stop_notice=True, prices={"sms": Decimal(0)}
        )
    # Without the notice, the same text fits.
    await preview_texts(
        session, audience=audience, texts=over, stop_notice=False, prices={"sms": Decimal(0)}
    )
    refused = await draft(session, site, texts=over)
    with pytest.raises(Invalid, match="raccourcissez-le"):
        await submit(session, refused)
    assert await submit(session, await draft(session, site, texts=fits)) == SCHEDULED


async def test_the_same_text_to_an_overlapping_audience_within_a_day_needs_a_confirmation(
    session: AsyncSession,
) -> None:
    site = await create_site(session)
    await people(session, site, ["+33612345601", "+33612345602"], tag="isolé")
    await people(session, site, ["+33612345603"])
    first = await draft(session, site)
    assert await submit(session, first) == SCHEDULED

    again = await draft(
        session, site, texts={"fr": "  le centre est FERMÉ demain, réouverture jeudi. "}
    )
    with pytest.raises(Repeated, match="à 3 personne\\(s\\) de ce public"):
        await submit(session, again, now=OPEN + timedelta(hours=1))
    narrower = await draft(session, site, audience=AudienceFilter(tags=("isolé",)))
    with pytest.raises(Repeated, match="à 2 personne\\(s\\)"):
        await submit(session, narrower, now=OPEN + timedelta(hours=2))
    assert await submit(session, narrower, now=OPEN + timedelta(hours=2), confirm_repeat=True) == (
        SCHEDULED
    )
    other_text = await draft(session, site, texts={"fr": "Le centre rouvre jeudi."})
    assert await submit(session, other_text, now=OPEN + timedelta(hours=3)) == SCHEDULED
    # A day after the last time it went, the same text is a new alert.
    assert await submit(session, again, now=OPEN + timedelta(hours=27)) == SCHEDULED


async def test_the_same_text_to_other_people_goes_without_a_question(
    session: AsyncSession,
) -> None:
    site = await create_site(session)
    await people(session, site, ["+33612345601"], tag="isolé")
    await people(session, site, ["+33612345602"], tag="colis")
    first = await draft(session, site, audience=AudienceFilter(tags=("isolé",)))
    assert await submit(session, first) == SCHEDULED
    second = await draft(session, site, audience=AudienceFilter(tags=("colis",)))
    assert await submit(session, second, now=OPEN + timedelta(minutes=5)) == SCHEDULED
