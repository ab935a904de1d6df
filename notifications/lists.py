"""Enrolling a whole list at once: the families of a distribution, by phone number or record id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, ContactPoint, Event, Site
from gateway.phones import InvalidPhoneNumber, normalize_phone
from gateway.records import PHONE_CHANNELS, add_contact, create_beneficiary
from notifications import schedule
from notifications.enrollments import enroll
from notifications.states import ENROLLED, InvalidEvent

MAX_LIST = 5000


@dataclass(frozen=True)
class ListLine:
    """What became of one entry of the list, as staff gave it."""

    item: str
    beneficiary_id: int | None
    status: str  # enrolled, waitlisted, already_enrolled, already_waitlisted, refused
    detail: str | None = None
    created: bool = False


async def enroll_list(
    session: AsyncSession,
    *,
    event: Event,
    now: datetime,
    beneficiary_ids: Sequence[int] = (),
    phones: Sequence[str] = (),
    source: str = "list",
    staff_id: int | None = None,
    create_missing: bool = False,
    notify: bool = True,
) -> list[ListLine]:
    """Enrol everyone on the list; an entry that cannot be enrolled says why, the rest go on."""
    if len(beneficiary_ids) + len(phones) > MAX_LIST:
        raise InvalidEvent(f"liste trop longue : {MAX_LIST} personnes au plus à la fois")
    site = await session.get_one(Site, event.site_id)
    found = await _people(session, site.organisation_id, beneficiary_ids)
    entries: list[ListLine | tuple[str, int, bool]] = []
    for pid in beneficiary_ids:
        known = pid in found
        entries.append(
            (str(pid), pid, False) if known else _refused(str(pid), "personne introuvable")
        )
    for raw in phones:
        outcome = await _by_phone(session, site, raw, create_missing=create_missing)
        entries.append(outcome if isinstance(outcome, ListLine) else (raw, *outcome))
    lines: list[ListLine] = []
    enrolled: list[int] = []
    for entry in entries:
        if isinstance(entry, ListLine):
            lines.append(entry)
            continue
        item, pid, created = entry
        result = await enroll(
            session,
            event=event,
            beneficiary_id=pid,
            source=source,
            now=now,
            staff_id=staff_id,
            notify=notify,
            plan=False,
        )
        if result.status == ENROLLED:
            enrolled.append(pid)
        detail = f"liste d'attente, rang {result.rank}" if result.rank else None
        lines.append(ListLine(item, pid, result.status, detail, created))
    if enrolled:
        await schedule.plan_event_reminders(session, event=event, now=now, beneficiary_ids=enrolled)
    return lines


def _refused(item: str, reason: str) -> ListLine:
    return ListLine(item, None, "refused", reason)


async def _people(session: AsyncSession, organisation_id: int, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    rows = await session.execute(
        select(Beneficiary.id).where(
            Beneficiary.id.in_(ids), Beneficiary.organisation_id == organisation_id
        )
    )
    return set(rows.scalars())


async def _by_phone(
    session: AsyncSession, site: Site, raw: str, *, create_missing: bool
) -> tuple[int, bool] | ListLine:
    try:
        phone = normalize_phone(raw)
    except InvalidPhoneNumber as exc:
        return _refused(raw, str(exc))
    rows = await session.execute(
        select(Beneficiary.id, Beneficiary.organisation_id)
        .join(ContactPoint, ContactPoint.beneficiary_id == Beneficiary.id)
        .where(ContactPoint.address == phone, ContactPoint.channel.in_(PHONE_CHANNELS))
        .distinct()
    )
    owners = rows.all()
    ids = sorted(pid for pid, org in owners if org == site.organisation_id)
    if owners and not ids:
        return _refused(raw, "numéro connu d'une autre association")
    if len(ids) > 1:
        listed = ", ".join(str(i) for i in ids)
        return _refused(raw, f"plusieurs personnes ont ce numéro : {listed}")
    if ids:
        return ids[0], False
    if not create_missing:
        return _refused(raw, "numéro inconnu : personne à créer d'abord")
    person = await create_beneficiary(session, site=site)
    await add_contact(session, person, channel="sms", address=phone)
    return person.id, True
