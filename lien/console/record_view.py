"""What a beneficiary's record page shows: profile, contacts, consent, timeline, changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Attachment,
    Beneficiary,
    ConsentEvent,
    Message,
    MessageEvent,
    Site,
    StaffMember,
)
from gateway.attachment_files import attachments_of
from gateway.consent import consent_history
from gateway.exchange import status_history
from gateway.records import get_beneficiary
from lien.console.audit import AuditLine, audit_trail
from lien.console.roles import allows

TIMELINE_LIMIT = 100


@dataclass(frozen=True)
class TimelineItem:
    message: Message
    history: list[MessageEvent]
    author: str | None  # the staff member's name for a staff message
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class RecordPanel:
    """An extra section of the record (tickets, enrolments, mail notices…) added by a domain.

    `load(session, beneficiary_id)` returns the template's context; the template is rendered
    inside the record page for roles from `minimum` up.
    """

    key: str
    template: str
    load: Callable[[AsyncSession, int], Awaitable[Mapping[str, Any]]]
    minimum: str = "volunteer"


@dataclass(frozen=True)
class RecordView:
    person: Beneficiary
    site: Site | None
    consent: list[ConsentEvent]
    audit: list[AuditLine]
    timeline: list[TimelineItem]
    panels: list[tuple[RecordPanel, Mapping[str, Any]]] = field(default_factory=list)


# Filled by the app as domains arrive (see lien/console/__init__.py); rendered in this order.
RECORD_PANELS: list[RecordPanel] = []


async def load_timeline(
    session: AsyncSession, beneficiary_id: int, *, limit: int = TIMELINE_LIMIT
) -> list[TimelineItem]:
    """Return the latest exchanges with a person, oldest first, with their status history."""
    newest = await session.execute(
        select(Message)
        .where(Message.beneficiary_id == beneficiary_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    messages = list(reversed(newest.scalars().all()))
    history: dict[int, list[MessageEvent]] = {m.id: [] for m in messages}
    for event in await status_history(session, list(history)):
        history[event.message_id].append(event)
    authors = await _staff_names(session, messages)
    files = await attachments_of(session, list(history))
    return [
        TimelineItem(
            m,
            history[m.id],
            authors.get(m.origin_ref or "") if m.origin_kind == "staff" else None,
            files.get(m.id, []),
        )
        for m in messages
    ]


async def _staff_names(session: AsyncSession, messages: list[Message]) -> dict[str, str]:
    refs = (m.origin_ref or "" for m in messages if m.origin_kind == "staff")
    ids = {int(ref) for ref in refs if ref.isdigit()}
    if not ids:
        return {}
    rows = await session.execute(
        select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(ids))
    )
    return {str(staff_id): name for staff_id, name in rows.all()}


async def load_record(
    session: AsyncSession, beneficiary_id: int, *, role: str
) -> RecordView | None:
    """Return everything the record page shows, or None for an unknown person."""
    person = await get_beneficiary(session, beneficiary_id)
    if person is None:
        return None
    site = await session.get(Site, person.site_id) if person.site_id is not None else None
    panels = [
        (panel, await panel.load(session, beneficiary_id))
        for panel in RECORD_PANELS
        if allows(role, panel.minimum)
    ]
    return RecordView(
        person=person,
        site=site,
        consent=await consent_history(session, beneficiary_id),
        audit=await audit_trail(session, beneficiary_id=beneficiary_id),
        timeline=await load_timeline(session, beneficiary_id),
        panels=panels,
    )
