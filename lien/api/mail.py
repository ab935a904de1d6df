"""Mail kept for domiciled people: staff say it arrived, the person is told once a day."""

from __future__ import annotations

from fastapi import APIRouter

from db.base import utcnow
from lien.api.events import domain_errors
from lien.api.events_schemas import MailIn, MailNoticeOut, MailOut
from lien.auth import CurrentStaff
from lien.deps import SessionDep
from notifications.mail import mail_notices, mark_mail_arrived

router = APIRouter(prefix="/api/mail", tags=["mail"])


@router.post("/arrived", response_model=MailOut, summary="Courrier arrivé pour une personne")
async def arrived(body: MailIn, session: SessionDep, staff: CurrentStaff) -> MailOut:
    with domain_errors():
        outcome = await mark_mail_arrived(
            session, beneficiary_id=body.beneficiary_id, now=utcnow(), staff_id=staff.id
        )
    return MailOut(
        notice_id=outcome.notice_id,
        day=outcome.day,
        marks=outcome.marks,
        message_id=outcome.message_id,
        first_today=outcome.first_today,
        skipped_reason=outcome.skipped_reason,
    )


@router.get("", response_model=list[MailNoticeOut], summary="Courriers signalés à une personne")
async def history(
    beneficiary_id: int, session: SessionDep, _staff: CurrentStaff
) -> list[MailNoticeOut]:
    return [
        MailNoticeOut(
            notice_id=n.id,
            day=n.day,
            marks=n.marks,
            message_id=n.message_id,
            skipped_reason=n.skipped_reason,
        )
        for n in await mail_notices(session, beneficiary_id=beneficiary_id)
    ]
