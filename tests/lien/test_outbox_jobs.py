from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.rest import Client

from db.base import utcnow
from db.models import Message
from db.session import SessionMaker
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, FakeProviderServer
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from lien.outbox_jobs import settle_job
from tests.factories import create_person
from tests.lien.conftest import App


async def test_the_worker_closes_unconfirmed_sends_periodically(lien_app: App) -> None:
    assert "outbox-settle" in [job.name for job in lien_app.runtime.jobs]


async def test_the_settle_job_uses_the_configured_window(session: AsyncSession) -> None:
    person = await create_person(session, phone=None, telegram="77")
    spec = OutgoingMessage(beneficiary_id=person.id, text="Alerte", origin=Origin("t"))
    message_id = await queue_message(session, spec)
    now = utcnow()
    await session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(status="unknown", updated_at=now - timedelta(hours=3))
    )
    assert await settle_job(4.0)(session, now) == 0
    assert await settle_job(2.0)(session, now) == 1


async def test_twilio_is_asked_about_unknown_sends_when_sms_is_on(
    lien_app: App, provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    assert "outbox-reconcile" not in [task.name for task in lien_app.runtime.tasks]
    (task,) = [t for t in provider_app.runtime.tasks if t.name == "outbox-reconcile"]
    twilio = Client(DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN)
    twilio.api.base_url = fake_provider.twilio_api_url
    created = await asyncio.to_thread(
        twilio.messages.create, to="+33612345678", from_="+33700000000", body="Rappel"
    )
    async with sessionmaker() as session, session.begin():
        person = await create_person(session)
        spec = OutgoingMessage(beneficiary_id=person.id, text="Rappel", origin=Origin("t"))
        message_id = await queue_message(session, spec)
        await session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(status="unknown", updated_at=utcnow() - timedelta(minutes=10))
        )
    await provider_app.runtime.run_task(task)
    async with sessionmaker() as session:
        message = await session.get_one(Message, message_id)
    assert (message.status, message.provider_id) == ("delivered", created.sid)
