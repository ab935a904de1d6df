"""The one way to send a message: a row in the outbox, written in the caller's transaction."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from db.base import utcnow
from db.errors import LienError
from db.models import Beneficiary, ContactPoint, Message
from gateway import statuses
from gateway.channels.base import Choice
from gateway.encoding import analyze_sms
from gateway.exchange import Origin, StatusStep, log_exchanges, record_steps
from gateway.file_links import FileLinks
from gateway.outbound_files import OutboundFile, attach_file

# Which channel to use when the person has several and named no preference:
# Telegram costs nothing, SMS reaches every phone, the simulator only demos.
CHANNEL_PREFERENCE = ("telegram", "sms", "simulator")


class Priority(enum.IntEnum):
    """Higher goes first: a person waiting for an answer overtakes a mass mailing."""

    BROADCAST = 0
    REMINDER = 10
    URGENT_ALERT = 20
    CONVERSATION = 30


class NotReachable(LienError):
    """The person cannot be written to: no contact, or they asked us to stop."""

    def __init__(self, reason: str, *, opted_out: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.opted_out = opted_out
        self.status, self.code = (409, "opted_out") if opted_out else (422, "unreachable")


@dataclass(frozen=True)
class OutgoingMessage:
    beneficiary_id: int
    text: str
    origin: Origin
    channel: str | None = None
    contact_point_id: int | None = None
    choices: tuple[Choice, ...] = ()
    priority: int = Priority.CONVERSATION
    not_before: datetime | None = None
    expires_at: datetime | None = None
    respect_quiet_hours: bool = False
    bypass_consent: bool = False
    dedup_key: str | None = None
    fallback_channel: str | None = None
    # A file staff attached, already stored: sent by Telegram, linked to from an SMS.
    attachment: OutboundFile | None = None


@dataclass(frozen=True)
class Queued:
    """What became of one requested message: its id, or why there is none."""

    message_id: int | None
    skipped: str | None = None
    opted_out: bool = False
    duplicate: bool = False


def _pick_contact(
    spec: OutgoingMessage, person: Beneficiary | None, contacts: list[ContactPoint]
) -> ContactPoint | Queued:
    if person is None:
        return Queued(None, skipped="personne inconnue")
    candidates = contacts
    if spec.contact_point_id is not None:
        candidates = [c for c in contacts if c.id == spec.contact_point_id]
    elif spec.channel is not None:
        candidates = [c for c in contacts if c.channel == spec.channel]
    if not candidates:
        return Queued(None, skipped="aucun moyen de contact sur ce canal")
    usable = candidates if spec.bypass_consent else [c for c in candidates if not c.opted_out]
    if not usable:
        return Queued(
            None, skipped="la personne a demandé à ne plus recevoir de messages", opted_out=True
        )
    order = [person.preferred_channel, *CHANNEL_PREFERENCE]
    return min(usable, key=lambda c: (order.index(c.channel) if c.channel in order else 99, c.id))


async def _load_people(
    session: AsyncSession, specs: Sequence[OutgoingMessage]
) -> tuple[dict[int, Beneficiary], dict[int, list[ContactPoint]]]:
    ids = {s.beneficiary_id for s in specs}
    people, contacts = _already_loaded(session, specs)
    missing = ids - people.keys()
    if missing:
        found = await session.execute(select(Beneficiary).where(Beneficiary.id.in_(missing)))
        people.update({p.id: p for p in found.scalars()})
        contacts.update({pid: [] for pid in missing})
        rows = await session.execute(
            select(ContactPoint)
            .where(ContactPoint.beneficiary_id.in_(missing))
            .order_by(ContactPoint.id)
        )
        for contact in rows.scalars():
            contacts[contact.beneficiary_id].append(contact)
    return people, contacts


def _already_loaded(
    session: AsyncSession, specs: Sequence[OutgoingMessage]
) -> tuple[dict[int, Beneficiary], dict[int, list[ContactPoint]]]:
    """The people this session holds already, when each spec names a contact it holds too.

    An answer to an inbound message names the contact it came from: the person and that
    contact were read (and possibly changed) in this very transaction, so reading them again
    would only cost two queries per reply.
    """
    identities = session.sync_session.identity_map
    named: dict[int, set[int | None]] = {}
    for spec in specs:
        named.setdefault(spec.beneficiary_id, set()).add(spec.contact_point_id)
    people: dict[int, Beneficiary] = {}
    contacts: dict[int, list[ContactPoint]] = {}
    for pid, contact_ids in named.items():
        if None in contact_ids:
            continue  # the outbox picks among all the person's contacts: read them
        person = identities.get(identity_key(Beneficiary, pid))
        held = [identities.get(identity_key(ContactPoint, cid)) for cid in contact_ids]
        points = [c for c in held if isinstance(c, ContactPoint) and c.beneficiary_id == pid]
        if isinstance(person, Beneficiary) and len(points) == len(contact_ids):
            people[pid] = person
            contacts[pid] = sorted(points, key=lambda c: c.id)
    return people, contacts


async def _existing_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    result = await session.execute(select(Message.dedup_key).where(Message.dedup_key.in_(keys)))
    return {k for k in result.scalars() if k is not None}


def compose_text(text: str, choices: tuple[Choice, ...], channel: str) -> str:
    """Write the choices as numbered lines where the channel has no buttons."""
    if not choices or channel == "telegram":
        return text
    return "\n".join([text, *(f"{c.key}. {c.label}" for c in choices)])


def _row(spec: OutgoingMessage, contact: ContactPoint) -> dict[str, object]:
    body = compose_text(spec.text, spec.choices, contact.channel)
    analysis = analyze_sms(body) if contact.channel == "sms" else None
    return {
        "beneficiary_id": spec.beneficiary_id,
        "contact_point_id": contact.id,
        "channel": contact.channel,
        "direction": "out",
        "body": body,
        "choices": [[c.key, c.label] for c in spec.choices] or None,
        "status": statuses.QUEUED,
        "origin_kind": spec.origin.kind,
        "origin_ref": spec.origin.ref,
        "dedup_key": spec.dedup_key,
        "priority": int(spec.priority),
        "respect_quiet_hours": spec.respect_quiet_hours,
        "bypass_consent": spec.bypass_consent,
        "fallback_channel": spec.fallback_channel,
        "not_before": spec.not_before,
        "expires_at": spec.expires_at,
        "encoding": analysis.encoding if analysis else None,
        "segments": analysis.segments if analysis else None,
    }


async def queue_messages(
    session: AsyncSession,
    specs: Sequence[OutgoingMessage],
    *,
    links: FileLinks | None = None,
    now: datetime | None = None,
) -> list[Queued]:
    """Queue messages for the dispatcher; a message whose dedup key exists is not queued again.

    `links` makes the links to attached files that an SMS carries instead of the file; `now`,
    the caller's moment, dates an attached file and starts its link's lifetime, so a message
    with a file needs it.
    """
    if now is None and any(spec.attachment is not None for spec in specs):
        raise ValueError("a message with a file is queued with the moment it is sent (now)")
    people, contacts = await _load_people(session, specs)
    taken = await _existing_keys(session, [s.dedup_key for s in specs if s.dedup_key])
    results: list[Queued | None] = []
    rows: list[dict[str, object]] = []
    queued: list[OutgoingMessage] = []
    for spec in specs:
        if spec.dedup_key is not None and spec.dedup_key in taken:
            results.append(Queued(None, skipped="déjà en file", duplicate=True))
            continue
        picked = _pick_contact(spec, people.get(spec.beneficiary_id), contacts[spec.beneficiary_id])
        if isinstance(picked, Queued):
            results.append(picked)
            continue
        if spec.dedup_key is not None:
            taken.add(spec.dedup_key)
        rows.append(_row(spec, picked))
        queued.append(spec)
        results.append(None)
    written = await log_exchanges(session, rows)
    for message_id, spec, row in zip(written, queued, rows, strict=True):
        if spec.attachment is not None:
            assert now is not None  # checked above, before anything was written
            await attach_file(
                session,
                message_id=message_id,
                organisation_id=people[spec.beneficiary_id].organisation_id,
                channel=str(row["channel"]),
                body=str(row["body"]),
                file=spec.attachment,
                links=links,
                now=now,
            )
    ids = iter(written)
    return [r if r is not None else Queued(next(ids)) for r in results]


async def queue_message(
    session: AsyncSession,
    spec: OutgoingMessage,
    *,
    links: FileLinks | None = None,
    now: datetime | None = None,
) -> int | None:
    """Queue one message (None if its dedup key was queued before); raise NotReachable."""
    (result,) = await queue_messages(session, [spec], links=links, now=now)
    if result.message_id is None and not result.duplicate:
        raise NotReachable(result.skipped or "", opted_out=result.opted_out)
    return result.message_id


async def cancel_queued(
    session: AsyncSession, *, origin_kind: str, origin_ref: str | None, detail: str | None = None
) -> int:
    """Cancel the messages of one origin that have not left; those being sent go on."""
    now = utcnow()
    # A dispatcher holding some of these rows makes this wait; they are `sending` by then.
    result = await session.execute(
        update(Message)
        .where(
            Message.origin_kind == origin_kind,
            Message.origin_ref == origin_ref,
            Message.direction == "out",
            Message.status == statuses.QUEUED,
        )
        .values(status=statuses.CANCELLED, updated_at=now)
        .returning(Message.id)
    )
    ids = list(result.scalars())
    await record_steps(session, [StatusStep(i, statuses.CANCELLED, now, detail) for i in ids])
    return len(ids)
