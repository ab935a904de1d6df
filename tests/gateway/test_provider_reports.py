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


async def test_a_report_with_oversized_fields_is_applied_within_the_columns(
    session: AsyncSession,
) -> None:
    person = await create_person(session)
    spec = OutgoingMessage(beneficiary_id=person.id, text="Rappel", origin=Origin("t"))
    message_id = await queue_message(session, spec)
    assert message_id is not None
    applied = await apply_provider_status(
        session,
        message_id=message_id,
        status="failed",
        error_code="3\x00" + "0" * 40,
        provider_id="SM" + "a" * 70,
        now=NOW,
    )
    await session.flush()
    message = await session.get_one(Message, message_id)
    assert applied
    assert (message.status, message.error_code, message.provider_id) == (
        "failed",
        "3" + "0" * 15,
        None,
    )


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
