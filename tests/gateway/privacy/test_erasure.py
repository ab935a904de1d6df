from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    AuditEvent,
    BeneficiaryTag,
    ConsentEvent,
    ContactPoint,
    ErasedContact,
    Message,
    ProviderDeletion,
)
from gateway import statuses
from gateway.privacy.builtin import core_registry
from gateway.privacy.erased import was_erased
from gateway.privacy.erasure import erase_person
from gateway.records import RECONTACT_TAG, find_or_create_contact
from tests.factories import create_person
from tests.personal_data import (
    CHAT_ID,
    NEEDLES,
    PHONE,
    PHONE_DIGITS,
    SMS_SID_IN,
    SMS_SID_OUT,
    person,
    scan,
    seed_history,
)


async def _message_shape(session: AsyncSession) -> list[tuple[str, str, int]]:
    rows = await session.execute(
        select(Message.channel, Message.direction, func.count())
        .group_by(Message.channel, Message.direction)
        .order_by(Message.channel, Message.direction)
    )
    return [(c, d, int(n)) for c, d, n in rows.all()]


async def test_after_erasure_no_table_holds_the_phone_the_chat_id_or_any_text(
    session: AsyncSession,
) -> None:
    history = await seed_history(session)
    before = await scan(session)
    # Every needle is somewhere before: the scan can fail.
    assert {needle for _, needle in before} == set(NEEDLES)
    assert ("messages.error_reason", PHONE_DIGITS) in before
    shape = await _message_shape(session)

    done = await erase_person(
        session, core_registry(), beneficiary_id=history.person_id, staff_id=None
    )

    assert await scan(session) == set()
    assert await _message_shape(session) == shape  # anonymous statistics stay
    erased = await person(session, history.person_id)
    assert erased.erased_at is not None and erased.first_name is None and erased.fields == {}
    assert done.rows["contacts"] == 2 and done.rows["identity"] >= 2
    assert done.provider_deletions == 4  # two texts, STOP and START in, one text out


async def test_erasure_keeps_one_anonymous_consent_marker_and_cancels_what_was_waiting(
    session: AsyncSession,
) -> None:
    history = await seed_history(session)
    await erase_person(session, core_registry(), beneficiary_id=history.person_id, staff_id=None)
    consent = (await session.execute(select(ConsentEvent.kind, ConsentEvent.detail))).all()
    assert consent == [("erased", None)]
    queued = await session.get_one(Message, history.queued_id)
    assert queued.status == statuses.CANCELLED and queued.body is None
    assert (await session.scalars(select(ContactPoint.id))).all() == []
    assert (await session.scalars(select(BeneficiaryTag.id))).all() == []


async def test_twilio_messages_of_the_person_are_queued_for_deletion_in_the_same_transaction(
    session: AsyncSession,
) -> None:
    history = await seed_history(session)
    await erase_person(session, core_registry(), beneficiary_id=history.person_id, staff_id=None)
    rows = (
        await session.execute(
            select(ProviderDeletion.provider, ProviderDeletion.provider_id, ProviderDeletion.status)
        )
    ).all()
    assert {sid for _, sid, _ in rows} >= {SMS_SID_IN, SMS_SID_OUT}
    assert len(rows) == 4  # SMS in and out, STOP and START included; no Telegram
    assert {(provider, state) for provider, _, state in rows} == {("twilio", "pending")}


async def test_erasure_is_audited_and_a_second_one_touches_nothing(session: AsyncSession) -> None:
    history = await seed_history(session)
    registry = core_registry()
    await erase_person(session, registry, beneficiary_id=history.person_id, staff_id=None)
    again = await erase_person(session, registry, beneficiary_id=history.person_id, staff_id=None)
    assert again.already_erased
    assert all(count == 0 for count in again.rows.values()), again.rows
    audit = (
        await session.execute(
            select(AuditEvent.action, AuditEvent.beneficiary_id).order_by(AuditEvent.id)
        )
    ).all()
    assert audit == [("erase", history.person_id), ("erase", history.person_id)]
    assert await session.scalar(select(func.count()).select_from(ConsentEvent)) == 1


async def test_an_erased_number_is_recognised_in_any_spelling_on_any_phone_channel(
    session: AsyncSession,
) -> None:
    history = await seed_history(session)
    other = await create_person(session, first_name="Autre", phone="+33698765432")
    await erase_person(session, core_registry(), beneficiary_id=history.person_id, staff_id=None)
    assert await was_erased(session, channel="sms", address="06 12 34 56 78")
    assert await was_erased(session, channel="simulator", address=PHONE)
    assert await was_erased(session, channel="telegram", address=CHAT_ID)
    assert not await was_erased(session, channel="sms", address="+33698765432")
    assert not await was_erased(session, channel="telegram", address="123")
    stored = (await session.scalars(select(ErasedContact.digest))).all()
    assert len(stored) == 2 and all(PHONE_DIGITS not in d for d in stored)
    assert other.id != history.person_id


async def test_a_return_after_erasure_creates_a_flagged_person_with_an_audit_entry(
    session: AsyncSession,
) -> None:
    history = await seed_history(session)
    await erase_person(session, core_registry(), beneficiary_id=history.person_id, staff_id=None)
    contact, created = await find_or_create_contact(session, channel="sms", address="0612345678")
    assert created and contact.beneficiary_id != history.person_id
    tags = (
        await session.scalars(
            select(BeneficiaryTag.tag).where(
                BeneficiaryTag.beneficiary_id == contact.beneficiary_id
            )
        )
    ).all()
    assert tags == [RECONTACT_TAG]
    recontact = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "recontact_after_erasure")
    )
    assert recontact is not None and recontact.beneficiary_id == contact.beneficiary_id
    assert PHONE_DIGITS not in str(recontact.details)


async def test_a_new_number_is_not_flagged(session: AsyncSession) -> None:
    await create_person(session, phone="+33611111111")
    _contact, created = await find_or_create_contact(session, channel="sms", address="0622222222")
    assert created
    tags = (await session.scalars(select(BeneficiaryTag.tag))).all()
    assert RECONTACT_TAG not in tags


async def test_erasure_keeps_which_fields_an_edit_touched_but_not_their_values(
    session: AsyncSession,
) -> None:
    from db.models import AuditEvent
    from gateway.audit import record_audit

    someone = await create_person(session, first_name="Awa")
    record_audit(
        session,
        staff_id=None,
        action="beneficiary.update",
        beneficiary_id=someone.id,
        details={"changes": {"first_name": ["Awa", "Aïcha"]}},
    )
    await erase_person(session, core_registry(), beneficiary_id=someone.id, staff_id=None)
    edits = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "beneficiary.update"))
    ).all()
    assert [e.details for e in edits] == [{"changes": {"first_name": [None, None]}}]
