"""What staff do with a broadcast: compose it, preview it, send it, approve it, cancel it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from broadcast import repository
from broadcast.audience import Audience, AudienceFilter, AudienceSources, resolve_audience
from broadcast.composition import check_length, check_texts, same_text_key
from broadcast.preview import Preview, preview_texts
from broadcast.texts import Invalid, NotAllowed, NotFound, Repeated, WrongState
from db.models import Beneficiary, Broadcast, BroadcastRecipient, BroadcastText, Organisation
from gateway.outbox import cancel_queued

DRAFT = "draft"
PENDING_APPROVAL = "pending_approval"
SCHEDULED = "scheduled"
SENDING = "sending"
DONE = "done"
CANCELLED = "cancelled"
CANCELLABLE = frozenset({DRAFT, PENDING_APPROVAL, SCHEDULED, SENDING})
SUBMITTED = (PENDING_APPROVAL, SCHEDULED, SENDING, DONE)
# The same text to the same people again within this time needs an explicit confirmation.
REPEAT_WINDOW = timedelta(hours=24)
# Organisation setting: above this many recipients, a second staff member must approve.
APPROVAL_SETTING = "broadcast_approval_above"
ORIGIN_KIND = repository.ORIGIN_KIND


class Decision(Protocol):
    """A service call that approves or cancels a broadcast."""

    async def __call__(
        self,
        session: AsyncSession,
        *,
        broadcast_id: int,
        by: int | None,
        now: datetime,
        organisation_id: int | None = None,
    ) -> Broadcast: ...


@dataclass(frozen=True)
class Draft:
    """A broadcast as staff write it."""

    title: str
    texts: Mapping[str, str]
    audience: AudienceFilter = field(default_factory=AudienceFilter)
    urgent: bool = False
    stop_notice: bool = True
    send_at: datetime | None = None
    expires_at: datetime | None = None
    # What a reply gets; None: the catalogue's acknowledgement.
    reply_text: str | None = None


def texts_of(broadcast: Broadcast) -> dict[str, str]:
    return {text.language: text.body for text in broadcast.texts}


def audience_filter_of(broadcast: Broadcast) -> AudienceFilter:
    return AudienceFilter.from_json(broadcast.audience)


async def create_broadcast(
    session: AsyncSession, *, organisation_id: int, draft: Draft, created_by: int | None
) -> Broadcast:
    """Save a draft; raise Invalid if its texts cannot be sent."""
    broadcast = Broadcast(organisation_id=organisation_id, status=DRAFT, created_by=created_by)
    _apply(broadcast, draft)
    broadcast.texts = [
        BroadcastText(language=language, body=body)
        for language, body in sorted(check_texts(draft.texts).items())
    ]
    session.add(broadcast)
    await session.flush()
    return broadcast


async def update_draft(
    session: AsyncSession, *, broadcast_id: int, draft: Draft, organisation_id: int | None = None
) -> Broadcast:
    """Replace a draft's content; raise WrongState once it was sent for approval or sending."""
    broadcast = await _load_in_status(
        session, broadcast_id, organisation_id, {DRAFT}, refusal="not_editable", lock=False
    )
    _apply(broadcast, draft)
    _replace_texts(broadcast, check_texts(draft.texts))
    await session.flush()
    return broadcast


def _apply(broadcast: Broadcast, draft: Draft) -> None:
    if draft.send_at and draft.expires_at and draft.send_at >= draft.expires_at:
        raise Invalid("send_at_after_expiry")
    broadcast.title = draft.title.strip()
    broadcast.audience = draft.audience.to_json()
    broadcast.urgent = draft.urgent
    broadcast.stop_notice = draft.stop_notice
    broadcast.reply_text = draft.reply_text
    broadcast.send_at = draft.send_at
    broadcast.expires_at = draft.expires_at


def _replace_texts(broadcast: Broadcast, texts: Mapping[str, str]) -> None:
    # Changed in place: deleting then inserting the same language would hit the unique key,
    # since a flush inserts before it deletes.
    kept = []
    for row in broadcast.texts:
        if row.language in texts:
            row.body = texts[row.language]
            kept.append(row)
    known = {row.language for row in kept}
    kept += [
        BroadcastText(language=lang, body=body) for lang, body in texts.items() if lang not in known
    ]
    broadcast.texts = sorted(kept, key=lambda row: row.language)


async def load_broadcast(
    session: AsyncSession,
    *,
    broadcast_id: int,
    organisation_id: int | None = None,
    lock: bool = False,
) -> Broadcast:
    """Return a broadcast with its texts; raise NotFound (also for another organisation's)."""
    stmt = (
        select(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .options(selectinload(Broadcast.texts))
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update(of=Broadcast)
    broadcast = await session.scalar(stmt)
    if broadcast is None or organisation_id not in (None, broadcast.organisation_id):
        raise NotFound("not_found")
    return broadcast


async def _load_in_status(
    session: AsyncSession,
    broadcast_id: int,
    organisation_id: int | None,
    allowed: Collection[str],
    *,
    refusal: str,
    lock: bool = True,
) -> Broadcast:
    """Return a broadcast whose status allows a change (locked for it); raise WrongState if not."""
    broadcast = await load_broadcast(
        session, broadcast_id=broadcast_id, organisation_id=organisation_id, lock=lock
    )
    if broadcast.status not in allowed:
        raise WrongState(refusal, status=broadcast.status)
    return broadcast


async def audience_of(
    session: AsyncSession, broadcast: Broadcast, *, now: datetime, sources: AudienceSources
) -> Audience:
    return await resolve_audience(
        session,
        organisation_id=broadcast.organisation_id,
        criteria=audience_filter_of(broadcast),
        now=now,
        sources=sources,
    )


async def preview_broadcast(
    session: AsyncSession,
    *,
    broadcast_id: int,
    now: datetime,
    prices: Mapping[str, Decimal],
    sources: AudienceSources,
    organisation_id: int | None = None,
) -> Preview:
    """Return the preview of a saved broadcast for its audience as it is now."""
    broadcast = await load_broadcast(
        session, broadcast_id=broadcast_id, organisation_id=organisation_id
    )
    return await preview_texts(
        session,
        audience=await audience_of(session, broadcast, now=now, sources=sources),
        texts=texts_of(broadcast),
        stop_notice=broadcast.stop_notice,
        prices=prices,
    )


async def submit_broadcast(
    session: AsyncSession,
    *,
    broadcast_id: int,
    by: int | None,
    now: datetime,
    sources: AudienceSources,
    organisation_id: int | None = None,
    send_at: datetime | None = None,
    confirm_repeat: bool = False,
) -> Broadcast:
    """Send a draft, at `send_at` or its own time: scheduled, or waiting for a second person.

    The same text sent within a day to some of the same people is refused unless
    `confirm_repeat` says it is meant.
    """
    broadcast = await _load_in_status(
        session, broadcast_id, organisation_id, {DRAFT}, refusal="not_submittable"
    )
    check_length(texts_of(broadcast), stop_notice=broadcast.stop_notice)
    audience = await audience_of(session, broadcast, now=now, sources=sources)
    count = await session.scalar(select(func.count()).select_from(audience.ids().subquery()))
    if not count:
        raise Invalid("empty_audience")
    if not confirm_repeat:
        await refuse_repeat(session, broadcast, audience, now=now, sources=sources)
    threshold = await approval_threshold(session, organisation_id=broadcast.organisation_id)
    broadcast.recipient_count = count
    broadcast.submitted_at = now
    broadcast.created_by = broadcast.created_by or by
    if send_at is not None:
        if broadcast.expires_at is not None and send_at >= broadcast.expires_at:
            raise Invalid("send_at_after_expiry")
        broadcast.send_at = send_at
    broadcast.send_at = max(broadcast.send_at or now, now)
    needs_approval = threshold is not None and count > threshold
    broadcast.status = PENDING_APPROVAL if needs_approval else SCHEDULED
    await session.flush()
    return broadcast


async def find_repeat(
    session: AsyncSession,
    broadcast: Broadcast,
    audience: Audience,
    *,
    now: datetime,
    sources: AudienceSources,
) -> tuple[Broadcast, int] | None:
    """Return a broadcast of the last day with the same text to some of this audience, and whom."""
    wanted = same_text_key(texts_of(broadcast))
    earlier = await session.scalars(
        select(Broadcast)
        .options(selectinload(Broadcast.texts))
        .where(
            Broadcast.organisation_id == broadcast.organisation_id,
            Broadcast.id != broadcast.id,
            Broadcast.status.in_(SUBMITTED),
            Broadcast.submitted_at >= now - REPEAT_WINDOW,
        )
        .order_by(Broadcast.submitted_at.desc())
    )
    for other in earlier:
        if same_text_key(texts_of(other)) != wanted:
            continue
        if other.materialised_at is not None:
            reached = select(BroadcastRecipient.beneficiary_id).where(
                BroadcastRecipient.broadcast_id == other.id
            )
        else:
            reached = (await audience_of(session, other, now=now, sources=sources)).ids()
        common = await session.scalar(
            select(func.count()).select_from(
                audience.ids().where(Beneficiary.id.in_(reached)).subquery()
            )
        )
        if common:
            return other, int(common)
    return None


async def refuse_repeat(
    session: AsyncSession,
    broadcast: Broadcast,
    audience: Audience,
    *,
    now: datetime,
    sources: AudienceSources,
) -> None:
    """Raise Repeated if the same text went to some of this audience in the last day."""
    found = await find_repeat(session, broadcast, audience, now=now, sources=sources)
    if found is not None:
        other, common = found
        raise Repeated("repeated_text", other=other.id, title=other.title, count=common, hours=24)


async def repeat_of(
    session: AsyncSession, broadcast: Broadcast, *, now: datetime, sources: AudienceSources
) -> Broadcast | None:
    """Return the broadcast this draft would repeat within a day, for staff to be warned."""
    audience = await audience_of(session, broadcast, now=now, sources=sources)
    found = await find_repeat(session, broadcast, audience, now=now, sources=sources)
    return None if found is None else found[0]


async def approve_broadcast(
    session: AsyncSession,
    *,
    broadcast_id: int,
    by: int | None,
    now: datetime,
    organisation_id: int | None = None,
) -> Broadcast:
    """Approve a large broadcast; its author cannot approve it alone."""
    broadcast = await _load_in_status(
        session, broadcast_id, organisation_id, {PENDING_APPROVAL}, refusal="not_pending_approval"
    )
    if by is None or by == broadcast.created_by:
        raise NotAllowed("approval_by_author")
    broadcast.status = SCHEDULED
    broadcast.approved_by = by
    broadcast.approved_at = now
    await session.flush()
    return broadcast


async def cancel_broadcast(
    session: AsyncSession,
    *,
    broadcast_id: int,
    by: int | None,
    now: datetime,
    organisation_id: int | None = None,
) -> Broadcast:
    """Stop what has not left: recipients not queued and messages still in the queue."""
    broadcast = await _load_in_status(
        session, broadcast_id, organisation_id, CANCELLABLE, refusal="not_cancellable"
    )
    broadcast.status = CANCELLED
    broadcast.cancelled_at = now
    broadcast.cancelled_by = by
    await repository.cancel_pending(session, broadcast_id=broadcast.id)
    await cancel_queued(
        session, origin_kind=ORIGIN_KIND, origin_ref=str(broadcast.id), detail="diffusion annulée"
    )
    await session.flush()
    return broadcast


async def approval_threshold(session: AsyncSession, *, organisation_id: int) -> int | None:
    """Return the size above which the organisation wants a second person to approve."""
    settings = await session.scalar(
        select(Organisation.settings).where(Organisation.id == organisation_id)
    )
    value = (settings or {}).get(APPROVAL_SETTING)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def set_approval_threshold(
    session: AsyncSession, *, organisation_id: int, above: int | None
) -> None:
    """Require approval above `above` recipients, or never with None."""
    if above is not None and above < 0:
        raise Invalid("bad_threshold")
    organisation = await session.get_one(Organisation, organisation_id)
    settings = dict(organisation.settings or {})
    settings.pop(APPROVAL_SETTING, None)
    if above is not None:
        settings[APPROVAL_SETTING] = above
    organisation.settings = settings
    await session.flush()
