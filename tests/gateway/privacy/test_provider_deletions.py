from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from db.models import AuditEvent, ProviderDeletion
from db.session import SessionMaker
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, FakeProviderServer, Fault
from gateway.channels.base import InboundMessage, OutboundEnvelope, Outcome, SendResult
from gateway.channels.twilio import TwilioChannel
from gateway.exchange import Origin
from gateway.inbound import InboundRouter, receive
from gateway.outbox import OutgoingMessage, queue_message
from gateway.outcomes import Recorded, record_outcomes
from gateway.privacy.builtin import core_registry
from gateway.privacy.erasure import erase_person
from gateway.privacy.provider_deletions import (
    MAX_ATTEMPTS,
    TWILIO,
    backoff,
    process_deletions,
    queue_deletions,
)
from tests.factories import create_person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PHONE = "+33612345678"


@pytest.fixture
async def twilio(fake_provider: FakeProviderServer) -> AsyncIterator[TwilioChannel]:
    channel = TwilioChannel(
        account_sid=DEFAULT_TWILIO_SID,
        auth_token=DEFAULT_TWILIO_TOKEN,
        sender="+33700000000",
        messaging_service_sid=None,
        api_url=fake_provider.twilio_api_url,
        status_callback_url=None,
        timeout=2.0,
    )
    await channel.start()
    yield channel
    await channel.stop()


async def sent_sid(twilio: TwilioChannel, text: str) -> str:
    result = await twilio.send(OutboundEnvelope(1, PHONE, text))
    assert result.outcome is Outcome.SENT and result.provider_id
    return result.provider_id


async def test_an_erasure_deletes_the_person_sms_at_twilio_once_committed(
    sessionmaker: SessionMaker, twilio: TwilioChannel, fake_provider: FakeProviderServer
) -> None:
    out_sid, in_sid = await sent_sid(twilio, "Bonjour"), await sent_sid(twilio, "Réponse")
    async with sessionmaker() as session, session.begin():
        person = await create_person(session, phone=PHONE)
        inbound = InboundMessage(channel="sms", address=PHONE, text="Merci", provider_id=in_sid)
        assert await receive(session, InboundRouter(), inbound) is not None
        message_id = await queue_message(
            session,
            OutgoingMessage(beneficiary_id=person.id, text="Bonjour", origin=Origin("staff")),
        )
        assert message_id is not None
        await record_outcomes(
            session,
            [Recorded(message_id, "sms", SendResult(Outcome.SENT, provider_id=out_sid))],
            now=NOW,
            max_attempts=3,
        )
        await erase_person(session, core_registry(), beneficiary_id=person.id, staff_id=None)
        person_id = person.id
    # Nothing left the building inside the erasure's transaction.
    assert fake_provider.state.twilio_calls("delete") == []

    done = await process_deletions(sessionmaker, twilio, provider=TWILIO, now=NOW)

    assert (done.done, done.retried, done.failed) == (2, 0, 0)
    remaining = {m["sid"] for m in fake_provider.state.twilio_messages()}
    assert not remaining & {out_sid, in_sid}
    assert len(fake_provider.state.twilio_calls("delete")) == 2
    async with sessionmaker() as session:
        audit = (
            await session.execute(
                select(AuditEvent.beneficiary_id, AuditEvent.details).where(
                    AuditEvent.action == "provider_delete"
                )
            )
        ).all()
    assert sorted(d["message"] for _, d in audit) == sorted([out_sid, in_sid])
    assert {pid for pid, _ in audit} == {person_id}
    assert {d["result"] for _, d in audit} == {"done"}


async def test_a_refused_delete_waits_and_is_retried_and_an_absent_one_counts_as_done(
    sessionmaker: SessionMaker, twilio: TwilioChannel, fake_provider: FakeProviderServer
) -> None:
    sid = await sent_sid(twilio, "Bonjour")
    async with sessionmaker() as session, session.begin():
        await queue_deletions(
            session, provider=TWILIO, beneficiary_id=1, provider_ids=[sid, "SM" + "f" * 32]
        )
    fake_provider.state.inject("twilio", Fault.http_status(503), method="delete")

    first = await process_deletions(sessionmaker, twilio, provider=TWILIO, now=NOW)
    assert (first.done, first.retried) == (1, 1)  # the unknown sid is simply gone
    assert sid in {m["sid"] for m in fake_provider.state.twilio_messages()}
    not_yet = await process_deletions(sessionmaker, twilio, provider=TWILIO, now=NOW)
    assert (not_yet.done, not_yet.retried) == (0, 0)

    later = NOW + backoff(1) + timedelta(seconds=1)
    second = await process_deletions(sessionmaker, twilio, provider=TWILIO, now=later)
    assert second.done == 1
    assert sid not in {m["sid"] for m in fake_provider.state.twilio_messages()}


async def test_a_delete_refused_too_often_is_given_up_and_audited(
    sessionmaker: SessionMaker, twilio: TwilioChannel, fake_provider: FakeProviderServer
) -> None:
    sid = await sent_sid(twilio, "Bonjour")
    async with sessionmaker() as session, session.begin():
        await queue_deletions(session, provider=TWILIO, beneficiary_id=7, provider_ids=[sid])
        await session.execute(update(ProviderDeletion).values(attempts=MAX_ATTEMPTS - 1))
    fake_provider.state.inject("twilio", Fault.http_status(500), method="delete")
    outcome = await process_deletions(sessionmaker, twilio, provider=TWILIO, now=NOW)
    assert outcome.failed == 1
    async with sessionmaker() as session:
        row = await session.scalar(select(ProviderDeletion))
        audit = await session.scalar(select(AuditEvent))
    assert row is not None and row.status == "failed" and row.last_error
    assert audit is not None and audit.details["result"] == "failed"
