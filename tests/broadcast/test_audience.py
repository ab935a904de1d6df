from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import (
    AudienceFilter,
    AudienceSources,
    resolve_audience,
    summarise_audience,
)
from broadcast.texts import Invalid
from db.models import Beneficiary
from gateway.consent import OPT_OUT, record_consent
from tests.broadcast.conftest import OPEN, other_organisation_site, second_site
from tests.factories import create_person, create_site


async def population(session: AsyncSession) -> dict[str, Any]:
    nimes = await create_site(session)
    lezignan = await second_site(session, nimes)
    awa = await create_person(session, site=nimes, first_name="Awa", tags=["isolé"])
    awa.last_contact_at = OPEN - timedelta(days=2)
    samira = await create_person(
        session,
        site=nimes,
        first_name="Samira",
        language="ar",
        phone="+33612345602",
        telegram="1002",
        tags=["famille"],
    )
    samira.last_contact_at = OPEN - timedelta(days=40)
    josette = await create_person(
        session, site=lezignan, first_name="Josette", phone=None, telegram="1003", tags=["à risque"]
    )
    stopped = await create_person(session, site=nimes, first_name="Stop", phone="+33612345604")
    await record_consent(session, beneficiary_id=stopped.id, kind=OPT_OUT, source="keyword")
    amanuel = await create_person(
        session,
        site=lezignan,
        first_name="Amanuel",
        language="ti",
        phone=None,
        simulator="+33612345606",
    )
    elsewhere = await other_organisation_site(session)
    await create_person(session, site=elsewhere, first_name="Ailleurs", phone="+33612345607")
    await session.flush()
    return {"site": nimes, "awa": awa, "samira": samira, "josette": josette, "amanuel": amanuel}


async def names(
    session: AsyncSession, site: Any, sources: AudienceSources | None = None, **criteria: Any
) -> list[str]:
    audience = await resolve_audience(
        session,
        organisation_id=site.organisation_id,
        criteria=AudienceFilter(**criteria),
        now=OPEN,
        sources=sources or AudienceSources(),
    )
    summary = await summarise_audience(session, audience, sample_size=50)
    assert summary.count == len(summary.sample)
    return sorted(p.first_name or "" for p in summary.sample)


async def test_everyone_who_can_be_written_to_in_the_organisation(session: AsyncSession) -> None:
    people = await population(session)
    assert await names(session, people["site"]) == ["Amanuel", "Awa", "Josette", "Samira"]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"sites": ("lezignan",)}, ["Amanuel", "Josette"]),
        ({"tags": ("Isolé", "à risque")}, ["Awa", "Josette"]),
        ({"exclude_tags": ("famille",)}, ["Amanuel", "Awa", "Josette"]),
        ({"languages": ("ar", "ti")}, ["Amanuel", "Samira"]),
        ({"channels": ("sms",)}, ["Awa", "Samira"]),
        ({"channels": ("telegram",)}, ["Josette", "Samira"]),
        ({"contacted_within_days": 7}, ["Awa"]),
        ({"not_contacted_for_days": 30}, ["Amanuel", "Josette", "Samira"]),
        ({"tags": ("isolé", "famille"), "languages": ("fr",)}, ["Awa"]),
    ],
)
async def test_filters_narrow_the_audience(
    session: AsyncSession, criteria: dict[str, Any], expected: list[str]
) -> None:
    people = await population(session)
    assert await names(session, people["site"], **criteria) == expected


async def test_enrolment_in_an_event_comes_from_the_events_domain(session: AsyncSession) -> None:
    people = await population(session)
    enrolled = {42: [people["josette"].id, people["awa"].id]}
    from db.models import Beneficiary

    sources = AudienceSources(
        enrolled=lambda event_id: select(Beneficiary.id).where(
            Beneficiary.id.in_(enrolled.get(event_id, []))
        )
    )
    assert await names(session, people["site"], sources, event_id=42) == ["Awa", "Josette"]
    with pytest.raises(Invalid, match="événement"):
        await names(session, people["site"], event_id=42)


async def test_telegram_first_unless_the_person_prefers_otherwise(session: AsyncSession) -> None:
    people = await population(session)
    audience = await resolve_audience(
        session,
        organisation_id=people["site"].organisation_id,
        criteria=AudienceFilter(),
        now=OPEN,
        sources=AudienceSources(),
    )
    summary = await summarise_audience(session, audience)
    assert summary.by_channel == {"sms": 1, "telegram": 2, "simulator": 1}
    people["samira"].preferred_channel = "sms"
    await session.flush()
    summary = await summarise_audience(session, audience)
    assert summary.by_channel == {"sms": 2, "telegram": 1, "simulator": 1}
    assert summary.by_language == {"fr": 2, "ar": 1, "ti": 1}


async def test_an_unknown_site_or_channel_is_refused(session: AsyncSession) -> None:
    people = await population(session)
    with pytest.raises(Invalid, match="site inconnu"):
        await names(session, people["site"], sites=("nulle-part",))
    with pytest.raises(Invalid, match="canal inconnu"):
        AudienceFilter(channels=("fax",))


def test_a_filter_survives_its_json_form() -> None:
    criteria = AudienceFilter(sites=("a",), tags=(" Isolé ",), contacted_within_days=3)
    assert criteria.tags == ("isolé",)
    assert AudienceFilter.from_json(criteria.to_json()) == criteria


async def test_a_relative_on_a_shared_phone_is_reached_through_its_holder(
    session: AsyncSession,
) -> None:
    """An isolated grandmother on her grandson's phone: one message to the number, two people."""
    nimes = await create_site(session)
    grandson = await create_person(session, site=nimes, first_name="Omar", phone="+33612345611")
    grandmother = await create_person(
        session, site=nimes, first_name="Fatima", phone=None, tags=["isolée"]
    )
    grandmother.fields = {"shared_phone": "+33612345611"}
    alone = await create_person(session, site=nimes, first_name="Awa", tags=["isolé"])
    await session.flush()

    async def reach(**criteria: Any) -> tuple[Any, list[int]]:
        audience = await resolve_audience(
            session,
            organisation_id=nimes.organisation_id,
            criteria=AudienceFilter(**criteria),
            now=OPEN,
            sources=AudienceSources(),
        )
        recipients = list(await session.scalars(audience.ids().order_by(Beneficiary.id)))
        return await summarise_audience(session, audience), recipients

    isolated, recipients = await reach(tags=("isolé",))
    assert recipients == [grandson.id, alone.id]  # one message per number
    assert (isolated.count, isolated.people, isolated.through_shared) == (2, 2, 1)
    everyone, recipients = await reach()
    assert recipients == [grandson.id, alone.id]
    assert (everyone.count, everyone.people, everyone.through_shared) == (2, 3, 1)
    by_telegram, recipients = await reach(channels=("telegram",))
    assert (by_telegram.count, by_telegram.people, recipients) == (0, 0, [])
    await record_consent(session, beneficiary_id=grandson.id, kind=OPT_OUT, source="keyword")
    stopped, recipients = await reach(tags=("isolé",))
    assert recipients == [alone.id] and stopped.people == 1
