"""Mail kept for domiciled people: staff mark it arrived, the person gets one message a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, MailNotice, Organisation, Site
from db.session import insert_ignore
from gateway.exchange import Origin
from gateway.outbox import queue_messages
from gateway.policy import window_from_settings
from notifications.sending import automated
from notifications.states import NotFound
from notifications.texts import text

# Where a site keeps its collection hours: a text, or one text per language.
HOURS_FIELD = "mail_hours"


@dataclass(frozen=True)
class MailOutcome:
    """What a mark did: the day's notice, and whether this mark sent the message."""

    notice_id: int
    day: date
    marks: int
    message_id: int | None
    first_today: bool
    skipped_reason: str | None


async def mark_mail_arrived(
    session: AsyncSession, *, beneficiary_id: int, now: datetime, staff_id: int | None = None
) -> MailOutcome:
    """Record that mail arrived for a person; the first mark of the day writes to them."""
    person = await session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound(f"bénéficiaire introuvable : {beneficiary_id}")
    org = await session.get_one(Organisation, person.organisation_id)
    zone = ZoneInfo(window_from_settings(org.settings or {}).timezone)
    day = now.astimezone(zone).date()
    values = {
        "beneficiary_id": person.id,
        "day": day,
        "marks": 1,
        "staff_id": staff_id,
        "created_at": now,
        "updated_at": now,
    }
    first = await insert_ignore(session, cast(Table, MailNotice.__table__), values)
    if not first:
        await session.execute(
            update(MailNotice)
            .where(MailNotice.beneficiary_id == person.id, MailNotice.day == day)
            .values(marks=MailNotice.marks + 1, updated_at=now)
        )
    notice = await session.scalar(
        select(MailNotice)
        .where(MailNotice.beneficiary_id == person.id, MailNotice.day == day)
        .execution_options(populate_existing=True)
    )
    assert notice is not None
    if first:
        await _tell(session, person, notice)
    return MailOutcome(
        notice.id, day, notice.marks, notice.message_id, first, notice.skipped_reason
    )


async def _tell(session: AsyncSession, person: Beneficiary, notice: MailNotice) -> None:
    site = await session.get(Site, person.site_id) if person.site_id is not None else None
    words = {
        "site": site.name if site is not None else "",
        "hours": _hours(site, person.language),
    }
    (queued,) = await queue_messages(
        session,
        [
            automated(
                beneficiary_id=person.id,
                text=text("mail_notice", person.language, **words),
                origin=Origin("mail", str(notice.id)),
                dedup_key=f"mail:{notice.id}",
            )
        ],
    )
    notice.message_id = queued.message_id
    notice.skipped_reason = queued.skipped
    await session.flush()


def _hours(site: Site | None, language: str) -> str:
    raw = (site.info or {}).get(HOURS_FIELD) if site is not None else None
    if isinstance(raw, dict):
        raw = raw.get(language) or raw.get("fr")
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    return text("mail_hours_default", language)


async def mail_notices(session: AsyncSession, *, beneficiary_id: int) -> list[MailNotice]:
    """Return a person's mail notices, the latest first."""
    rows = await session.execute(
        select(MailNotice)
        .where(MailNotice.beneficiary_id == beneficiary_id)
        .order_by(MailNotice.day.desc())
    )
    return list(rows.scalars())
