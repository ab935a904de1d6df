from __future__ import annotations

from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEvent, Beneficiary, Message, Organisation, RetentionCount
from gateway import statuses
from gateway.audit import record_audit
from gateway.channels.base import InboundMessage
from gateway.exchange import Origin
from gateway.inbound import InboundRouter, receive
from gateway.outbox import OutgoingMessage, queue_message
from gateway.privacy.builtin import core_registry
from gateway.privacy.counts import counts_for
from gateway.privacy.retention import purge_all
from tests.factories import create_person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def ago(months: int) -> datetime:
    return NOW - relativedelta(months=months)


def month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


async def sent(
    session: AsyncSession, person_id: int, text: str, channel: str, when: datetime
) -> int:
    message_id = await queue_message(
        session,
        OutgoingMessage(
            beneficiary_id=person_id, text=text, channel=channel, origin=Origin("staff")
        ),
    )
    assert message_id is not None
    await session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(status=statuses.DELIVERED, created_at=when)
    )
    return message_id


async def received(session: AsyncSession, text: str, sid: str, address: str, when: datetime) -> int:
    channel = "telegram" if address.isdigit() else "sms"
    inbound = InboundMessage(channel=channel, address=address, text=text, provider_id=sid)
    got = await receive(session, InboundRouter(), inbound)
    assert got is not None
    await session.execute(
        update(Message).where(Message.id == got.message.id).values(created_at=when)
    )
    return got.message.id


async def scenario(session: AsyncSession) -> dict[str, int]:
    """An active person with messages of every age, and one gone quiet for 30 months."""
    active = await create_person(session, first_name="Active", phone="+33611111111", telegram="111")
    quiet = await create_person(session, first_name="Quiet", phone="+33622222222")
    ids = {
        "recent": await sent(session, active.id, "récent", "sms", ago(1)),
        "year_old": await sent(session, active.id, "vieux d'un an", "sms", ago(13)),
        "ancient": await received(session, "très vieux", "t-1", "111", ago(40)),
        "queued": await sent(session, active.id, "pas encore parti", "sms", ago(13)),
        "quiet": await sent(session, quiet.id, "oublié", "sms", ago(30)),
    }
    await session.execute(
        update(Message).where(Message.id == ids["queued"]).values(status=statuses.QUEUED)
    )
    await session.execute(
        update(Beneficiary)
        .where(Beneficiary.id == quiet.id)
        .values(created_at=ago(30), updated_at=ago(30), last_contact_at=ago(30))
    )
    await session.execute(
        update(Beneficiary)
        .where(Beneficiary.id == active.id)
        .values(created_at=ago(50), updated_at=ago(50), last_contact_at=ago(40))
    )
    old = record_audit(session, staff_id=None, action="view", beneficiary_id=active.id, at=ago(61))
    record_audit(session, staff_id=None, action="view", beneficiary_id=active.id, at=ago(2))
    await session.flush()
    ids["quiet_person"] = quiet.id
    ids["active_person"] = active.id
    ids["old_audit"] = old.id
    return ids


async def bodies(session: AsyncSession) -> dict[int, str | None]:
    rows = await session.execute(select(Message.id, Message.body))
    return {mid: body for mid, body in rows.all()}


EXPECTED = {
    "message_bodies": 2,  # the year-old text and the quiet person's; not the queued one
    "message_records": 1,  # the 40-month-old Telegram message
    "audit_events": 1,
    "inactive_people": 1,
}


async def test_a_dry_run_counts_exactly_what_the_real_run_removes_and_changes_nothing(
    session: AsyncSession,
) -> None:
    ids = await scenario(session)
    registry = core_registry()
    before = await bodies(session)

    (preview,) = await purge_all(session, registry, now=NOW, dry_run=True)
    assert preview.dry_run and preview.counts == EXPECTED
    assert await bodies(session) == before
    assert (await session.scalars(select(RetentionCount.id))).all() == []
    assert await session.get(AuditEvent, ids["old_audit"]) is not None

    (done,) = await purge_all(session, registry, now=NOW, dry_run=False)
    assert done.counts == EXPECTED
    after = await bodies(session)
    assert after[ids["recent"]] == "récent"
    assert after[ids["queued"]] == "pas encore parti"
    assert after[ids["year_old"]] is None and after[ids["quiet"]] is None
    assert ids["ancient"] not in after
    quiet = await session.get_one(Beneficiary, ids["quiet_person"])
    active = await session.get_one(Beneficiary, ids["active_person"])
    assert quiet.erased_at is not None and quiet.first_name is None
    assert active.erased_at is None and active.first_name == "Active"
    assert await session.get(AuditEvent, ids["old_audit"]) is None


async def test_anonymous_counts_are_kept_per_month_channel_direction_and_never_doubled(
    session: AsyncSession,
) -> None:
    await scenario(session)
    registry = core_registry()
    await purge_all(session, registry, now=NOW, dry_run=False)
    (again,) = await purge_all(session, registry, now=NOW, dry_run=False)
    assert again.counts == dict.fromkeys(EXPECTED, 0)
    org = await session.scalar(select(Organisation))
    assert org is not None
    counts = {
        (c.kind, c.month, c.channel, c.direction): c.count
        for c in await counts_for(session, organisation_id=org.id)
    }
    assert counts == {
        ("message_bodies", month(ago(13)), "sms", "out"): 1,
        ("message_bodies", month(ago(30)), "sms", "out"): 1,
        ("message_records", month(ago(40)), "telegram", "in"): 1,
        ("inactive_people", month(NOW), "", ""): 1,
    }


async def test_an_organisation_may_keep_texts_longer(session: AsyncSession) -> None:
    ids = await scenario(session)
    org = await session.scalar(select(Organisation))
    assert org is not None
    org.settings = {"retention": {"message_bodies": 24, "inactive_people": 36}}
    await session.flush()
    (done,) = await purge_all(session, core_registry(), now=NOW, dry_run=False)
    assert done.counts["message_bodies"] == 1 and done.counts["inactive_people"] == 0
    assert (await bodies(session))[ids["year_old"]] == "vieux d'un an"
