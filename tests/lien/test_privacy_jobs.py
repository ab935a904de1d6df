"""The privacy jobs as the scheduler runs them: each in its runtime, on the real channels."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update

from db.base import utcnow
from db.models import AuditEvent, Message, ProviderDeletion
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from gateway.privacy.erasure import erase_person
from tests.lien.conftest import App
from tests.lien.test_twilio import staff_reply


async def test_wiring_registers_the_core_sources_and_both_jobs(provider_app: App) -> None:
    runtime = provider_app.runtime
    assert runtime.privacy.names[:5] == ["identity", "contacts", "consent", "messages", "audit"]
    jobs = {job.name: job for job in runtime.jobs}
    assert jobs["privacy-retention"].seconds == 24 * 3600
    assert jobs["privacy-retention"].first_run_after is not None
    assert jobs["provider-deletions"].seconds == 60


async def test_the_deletion_job_deletes_at_twilio_without_holding_the_database(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    runtime = provider_app.runtime
    message_id = await staff_reply(provider_app, sessionmaker)
    await runtime.dispatcher.run_once()
    async with sessionmaker() as session, session.begin():
        message = await session.get_one(Message, message_id)
        sid = message.provider_id
        await erase_person(
            session, runtime.privacy, beneficiary_id=message.beneficiary_id, staff_id=None
        )
    assert sid in {m["sid"] for m in fake_provider.state.twilio_messages()}
    job = next(job for job in runtime.jobs if job.name == "provider-deletions")
    # On SQLite a job holding its transaction open would make the job's own writes wait.
    await runtime.run_job(job)
    assert sid not in {m["sid"] for m in fake_provider.state.twilio_messages()}
    async with sessionmaker() as session:
        states = set((await session.scalars(select(ProviderDeletion.status))).all())
    assert states == {"done"}


async def test_the_retention_job_purges_old_texts_and_says_so_in_the_audit_trail(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    runtime = provider_app.runtime
    message_id = await staff_reply(provider_app, sessionmaker)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(created_at=utcnow() - relativedelta(months=13), status="delivered")
        )
    job = next(job for job in runtime.jobs if job.name == "privacy-retention")
    await runtime.run_job(job)
    async with sessionmaker() as session:
        message = await session.get_one(Message, message_id)
        purge = await session.scalar(select(AuditEvent).where(AuditEvent.action == "purge"))
    assert message.body is None
    assert purge is not None and purge.details["counts"]["message_bodies"] == 1
