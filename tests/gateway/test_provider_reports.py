"""What a provider reports is cut to what the record holds, never a database error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Message
from gateway.channels.base import InboundMessage, checked_inbound
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from gateway.outcomes import apply_provider_status
from tests.factories import create_person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


SID = "SM" + "a" * 32


_phones = iter(range(10, 99))


async def _message(session: AsyncSession, *, status: str, provider_id: str | None) -> Message:
    person = await create_person(session, phone=f"+336123456{next(_phones)}")
    spec = OutgoingMessage(beneficiary_id=person.id, text="Rappel", origin=Origin("t"))
    message_id = await queue_message(session, spec)
    assert message_id is not None
    message = await session.get_one(Message, message_id)
    message.status, message.provider_id = status, provider_id
    await session.flush()
    return message


async def _report(session: AsyncSession, message: Message, **kw: str | None) -> bool:
    values: dict[str, str | None] = {"status": "delivered", "error_code": None} | kw
    applied = await apply_provider_status(
        session,
        message_id=message.id,
        status=values["status"] or "",
        error_code=values["error_code"],
        provider_id=values.get("provider_id"),
        now=NOW,
    )
    await session.flush()
    await session.refresh(message)
    return applied


async def test_a_report_with_oversized_fields_is_applied_within_the_columns(
    session: AsyncSession,
) -> None:
    message = await _message(session, status="sent", provider_id=SID)
    applied = await _report(
        session, message, status="failed", error_code="3\x00" + "0" * 40, provider_id=SID
    )
    assert applied
    assert (message.status, message.error_code) == ("failed", "3" + "0" * 15)
    # An id too long for the column is not one the provider gives: it names no message.
    unsent = await _message(session, status="sending", provider_id=None)
    assert not await _report(session, unsent, provider_id="SM" + "a" * 70)
    assert (unsent.status, unsent.provider_id) == ("sending", None)


async def test_a_report_only_moves_the_message_sent_with_that_provider_id(
    session: AsyncSession,
) -> None:
    never_sent = await _message(session, status="queued", provider_id=None)
    assert not await _report(session, never_sent, provider_id=SID)
    assert (never_sent.status, never_sent.provider_id, never_sent.sent_at) == ("queued", None, None)
    other = await _message(session, status="sent", provider_id="SM" + "b" * 32)
    assert not await _report(session, other, provider_id=SID)
    assert not await _report(session, other, provider_id=None)
    assert other.status == "sent"
    # A call whose answer was lost learns its id from the report, as reconciliation expects.
    lost = await _message(session, status="unknown", provider_id=None)
    assert await _report(session, lost, provider_id=SID)
    assert (lost.status, lost.provider_id) == ("delivered", SID)


async def test_a_report_for_an_id_no_row_can_have_changes_nothing(session: AsyncSession) -> None:
    for message_id in (2**31, -1, 0):
        applied = await apply_provider_status(
            session,
            message_id=message_id,
            status="delivered",
            error_code=None,
            provider_id=None,
            now=NOW,
        )
        assert applied is False


def test_inbound_text_loses_its_nul() -> None:
    inbound = InboundMessage("telegram", "42", "a\x00b", "7", "Nom\x00", "\x00")
    cleaned = checked_inbound(inbound)
    assert (cleaned.text, cleaned.display_name, cleaned.language_hint) == ("ab", "Nom", None)


@pytest.mark.parametrize(
    ("address", "provider_id"), [("9" * 81, "7"), ("42", "x" * 65), ("4\x002", "7"), ("", "7")]
)
def test_an_address_or_id_no_column_holds_is_refused(address: str, provider_id: str) -> None:
    with pytest.raises(ValueError, match="invalide"):
        checked_inbound(InboundMessage("telegram", address, "a", provider_id))
