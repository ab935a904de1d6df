from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Message
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from lien.wiring import settle_job
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
