"""The inbox and the dashboard: a newcomer's SMS shows up, a reply reaches the provider."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Message
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from tests.lien.conftest import App, make_settings, provider_settings, started, without_domains
from tests.lien.console.conftest import csrf_of, signed_in_as
from tests.lien.test_twilio import post_sms, sms_params


def stat(html: str, label: str) -> int:
    found = re.search(rf'stat-value">(\d+)</span>\s*<span class="stat-label">{label}<', html)
    assert found is not None, label
    return int(found.group(1))


@pytest.fixture
async def provider_app(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer
) -> AsyncIterator[App]:
    """The gateway alone: the inbox holds what no automation took, the accueil would take all."""
    async for app in started(
        provider_settings(database_url, fake_provider), wiring=without_domains
    ):
        yield app


@pytest.fixture
async def lien_app(engine: AsyncEngine, database_url: str) -> AsyncIterator[App]:
    async for app in started(make_settings(database_url), wiring=without_domains):
        yield app


async def test_a_newcomer_sms_appears_in_the_inbox_and_a_reply_reaches_the_provider(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    await signed_in_as(provider_app, sessionmaker, "staff")
    client = provider_app.client
    assert "Aucun message à traiter." in (await client.get("/inbox")).text
    assert await post_sms(provider_app, sms_params("J'ai besoin d'un médecin")) == 200
    inbox = await client.get("/inbox")
    assert "J&#39;ai besoin d&#39;un médecin" in inbox.text
    assert "attend une réponse" in inbox.text
    async with sessionmaker() as session:
        person_id = await session.scalar(select(Message.beneficiary_id))
    assert f'href="/beneficiaries/{person_id}#conversation"' in inbox.text
    # The dashboard counts open tickets: the gateway alone opens none.
    assert stat((await client.get("/")).text, "Personnes en attente de réponse") == 0
    record = await client.get(f"/beneficiaries/{person_id}")
    reply = await client.post(
        f"/beneficiaries/{person_id}/reply",
        data={"text": "Venez demain à 9h", "channel": "", "csrf_token": csrf_of(record.text)},
    )
    assert reply.status_code == 303
    await provider_app.runtime.dispatcher.run_once()
    (sent,) = fake_provider.state.twilio_messages()
    assert (sent["to"], sent["body"]) == ("+33612345678", "Venez demain à 9h")
    answered = await client.get("/inbox")
    assert "répondu" in answered.text and "attend une réponse" not in answered.text


async def test_the_dashboard_counts_who_waits_and_what_happened_today(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    for sender in ("+33612000011", "+33612000012"):
        page = await client.get("/simulator")
        await client.post(
            "/simulator",
            data={"sender": sender, "text": "Bonjour ?", "csrf_token": csrf_of(page.text)},
        )
    home = (await client.get("/")).text
    assert stat(home, "Personnes en attente de réponse") == 0  # no accueil, no ticket
    assert stat(home, "Reçus aujourd'hui") == 2
    assert f"Bonjour {member.name}" in home
    assert "Simulateur" in home and "actif" in home
    assert "SMS" in home and "désactivé" in home  # no Twilio settings in this app


async def test_the_inbox_refresh_answers_204_while_nothing_changed(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    rows = await client.get("/inbox/rows")
    version = rows.text.split("v=", 1)[1].split('"', 1)[0]
    same = await client.get("/inbox/rows", params={"v": version})
    assert same.status_code == 204 and same.text == ""
    page = await client.get("/simulator")
    await client.post(
        "/simulator",
        data={"sender": "+33612000013", "text": "Allô", "csrf_token": csrf_of(page.text)},
    )
    changed = await client.get("/inbox/rows", params={"v": version})
    assert changed.status_code == 200 and "Allô" in changed.text


async def test_inbox_filters_by_channel_and_waiting(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    page = await client.get("/simulator")
    await client.post(
        "/simulator",
        data={
            "sender": "+33612000014",
            "text": "Par le simulateur",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert "Par le simulateur" in (await client.get("/inbox?channel=simulator")).text
    assert "Par le simulateur" not in (await client.get("/inbox?channel=sms")).text
    assert "Par le simulateur" in (await client.get("/inbox?waiting=true")).text
