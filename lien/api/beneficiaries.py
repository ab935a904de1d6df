"""The beneficiary record and its timeline, for staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import select

from db.base import MAX_ROW_ID
from db.errors import NotFoundError
from db.models import Beneficiary, Message
from gateway.attachments import attachments_of
from gateway.audit import ADD_CONTACT, CREATE, EDIT, SEARCH, VIEW, VIEW_TIMELINE, record_audit
from gateway.exchange import Origin, status_history
from gateway.outbox import OutgoingMessage, Priority, queue_message
from gateway.records import (
    add_contact,
    create_beneficiary,
    default_site,
    find_by_phone,
    get_beneficiary,
    set_tags,
    site_by_slug,
)
from lien.api.schemas import (
    BeneficiaryIn,
    BeneficiaryOut,
    BeneficiaryPatch,
    ContactIn,
    ContactOut,
    MessageOut,
    QueuedOut,
    StaffMessageIn,
    StatusStep,
    attachment_out,
)
from lien.auth import CurrentStaff, StaffOnly
from lien.deps import SessionDep

router = APIRouter(prefix="/api/beneficiaries", tags=["beneficiaries"])
# An id no row can have is refused (422) before any query: PostgreSQL ids are 32-bit.
BeneficiaryId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Identifiant du bénéficiaire")]


def to_out(person: Beneficiary) -> BeneficiaryOut:
    return BeneficiaryOut(
        id=person.id,
        first_name=person.first_name,
        last_name=person.last_name,
        language=person.language,
        site_id=person.site_id,
        preferred_channel=person.preferred_channel,
        tags=[t.tag for t in person.tags],
        fields=person.fields,
        contacts=[ContactOut.model_validate(c) for c in person.contact_points],
        last_contact_at=person.last_contact_at,
        created_at=person.created_at,
        erased_at=person.erased_at,
    )


async def _load(session: SessionDep, beneficiary_id: int) -> Beneficiary:
    person = await get_beneficiary(session, beneficiary_id)
    if person is None:
        raise NotFoundError("bénéficiaire introuvable")
    return person


@router.get("", response_model=list[BeneficiaryOut], summary="Chercher des bénéficiaires")
async def search(
    session: SessionDep,
    staff: CurrentStaff,
    phone: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> list[BeneficiaryOut]:
    if phone is not None:
        people = await find_by_phone(session, phone)
        found = [to_out(p) for p in people]
    else:
        ids = (
            await session.execute(
                select(Beneficiary.id).order_by(Beneficiary.id).limit(limit).offset(offset)
            )
        ).scalars()
        found = [to_out(await _load(session, i)) for i in ids]
    record_audit(
        session,
        staff_id=staff.id,
        action=SEARCH,
        details={"by": "phone" if phone is not None else "list", "results": len(found)},
    )
    return found


@router.post(
    "",
    response_model=BeneficiaryOut,
    status_code=status.HTTP_201_CREATED,
    summary="Créer un bénéficiaire",
)
async def create(body: BeneficiaryIn, session: SessionDep, staff: CurrentStaff) -> BeneficiaryOut:
    site = await site_by_slug(session, body.site) if body.site else await default_site(session)
    contacts = [("sms", body.phone)] if body.phone else []
    if body.telegram_chat_id:
        contacts.append(("telegram", body.telegram_chat_id))
    person = await create_beneficiary(
        session,
        site=site,
        first_name=body.first_name,
        last_name=body.last_name,
        language=body.language,
        tags=body.tags,
    )
    for channel, address in contacts:
        await add_contact(session, person, channel=channel, address=address)
    record_audit(session, staff_id=staff.id, action=CREATE, beneficiary_id=person.id)
    session.expunge(person)
    return to_out(await _load(session, person.id))


@router.get("/{beneficiary_id}", response_model=BeneficiaryOut, summary="Fiche d'un bénéficiaire")
async def read(
    beneficiary_id: BeneficiaryId, session: SessionDep, staff: CurrentStaff
) -> BeneficiaryOut:
    person = await _load(session, beneficiary_id)
    record_audit(session, staff_id=staff.id, action=VIEW, beneficiary_id=beneficiary_id)
    return to_out(person)


@router.post(
    "/{beneficiary_id}/contacts",
    response_model=BeneficiaryOut,
    status_code=status.HTTP_201_CREATED,
    summary="Ajouter un moyen de contact à une fiche",
)
async def add_contact_point(
    beneficiary_id: BeneficiaryId, body: ContactIn, session: SessionDep, staff: StaffOnly
) -> BeneficiaryOut:
    person = await _load(session, beneficiary_id)
    # An erased record and an address already held are refused by the records service.
    await add_contact(session, person, channel=body.channel, address=body.address)
    record_audit(
        session,
        staff_id=staff.id,
        action=ADD_CONTACT,
        beneficiary_id=beneficiary_id,
        details={"channel": body.channel},
    )
    session.expunge(person)
    return to_out(await _load(session, beneficiary_id))


@router.patch("/{beneficiary_id}", response_model=BeneficiaryOut, summary="Modifier une fiche")
async def patch(
    beneficiary_id: BeneficiaryId, body: BeneficiaryPatch, session: SessionDep, staff: CurrentStaff
) -> BeneficiaryOut:
    person = await _load(session, beneficiary_id)
    changes = body.model_dump(exclude_unset=True)
    # Which fields changed, never their values: the trail must not copy the record.
    record_audit(
        session,
        staff_id=staff.id,
        action=EDIT,
        beneficiary_id=beneficiary_id,
        details={"fields": sorted(changes)},
    )
    if "site" in changes:
        person.site_id = (await site_by_slug(session, changes.pop("site"))).id
    if (tags := changes.pop("tags", None)) is not None:
        await set_tags(session, person, tags)
    for name, value in changes.items():
        setattr(person, name, value)
    await session.flush()
    session.expunge(person)
    return to_out(await _load(session, beneficiary_id))


@router.get(
    "/{beneficiary_id}/messages", response_model=list[MessageOut], summary="Historique des échanges"
)
async def timeline(
    beneficiary_id: BeneficiaryId, session: SessionDep, staff: CurrentStaff
) -> list[MessageOut]:
    await _load(session, beneficiary_id)
    record_audit(session, staff_id=staff.id, action=VIEW_TIMELINE, beneficiary_id=beneficiary_id)
    messages = list(
        (
            await session.execute(
                select(Message)
                .where(Message.beneficiary_id == beneficiary_id)
                .order_by(Message.created_at, Message.id)
            )
        ).scalars()
    )
    history: dict[int, list[StatusStep]] = {m.id: [] for m in messages}
    for event in await status_history(session, list(history)):
        history[event.message_id].append(
            StatusStep(status=event.status, detail=event.detail, at=event.created_at)
        )
    files = await attachments_of(session, list(history))
    return [
        MessageOut(
            id=m.id,
            direction=m.direction,
            channel=m.channel,
            body=m.body,
            status=m.status,
            origin=m.origin_kind,
            origin_ref=m.origin_ref,
            error_code=m.error_code,
            error_reason=m.error_reason,
            encoding=m.encoding,
            segments=m.segments,
            created_at=m.created_at,
            sent_at=m.sent_at,
            delivered_at=m.delivered_at,
            history=history[m.id],
            attachments=[attachment_out(a) for a in files[m.id]],
        )
        for m in messages
    ]


@router.post(
    "/{beneficiary_id}/messages",
    response_model=QueuedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Écrire à un bénéficiaire",
)
async def send(
    beneficiary_id: BeneficiaryId, body: StaffMessageIn, session: SessionDep, staff: StaffOnly
) -> QueuedOut:
    await _load(session, beneficiary_id)
    message_id = await queue_message(
        session,
        OutgoingMessage(
            beneficiary_id=beneficiary_id,
            text=body.text,
            channel=body.channel,
            origin=Origin("staff", str(staff.id)),
            priority=Priority.CONVERSATION,
        ),
    )
    return QueuedOut.of(await session.get_one(Message, message_id))
