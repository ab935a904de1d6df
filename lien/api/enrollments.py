"""Who is on an event's list, and what happened at each session: answers and presence."""

from __future__ import annotations

from fastapi import APIRouter

from db.base import utcnow
from db.models import Enrollment
from gateway.audit import VIEW, record_audit
from lien.api.events import domain_errors, written_occurrence_out
from lien.api.events_schemas import (
    AttendanceIn,
    EnrollIn,
    EnrollLineOut,
    EnrollmentOut,
    ListEntryOut,
    PersonActivityOut,
    RosterLineOut,
    RosterOut,
    RsvpIn,
    RsvpOut,
    SessionEntryOut,
    WithdrawOut,
)
from lien.auth import CurrentStaff
from lien.deps import SessionDep
from notifications import attendance, enrollments, rsvp, service
from notifications.lists import enroll_list
from notifications.record import person_activity
from notifications.states import WAITLISTED
from notifications.texts import event_text

router = APIRouter(prefix="/api", tags=["events"])


@router.get(
    "/events/{event_id}/enrollments", response_model=list[EnrollmentOut], summary="Inscrits"
)
async def list_enrollments(
    event_id: int, session: SessionDep, _staff: CurrentStaff
) -> list[EnrollmentOut]:
    with domain_errors():
        await service.get_event(session, event_id)
    rows = await enrollments.list_enrollments(session, event_id=event_id)
    rank = 0
    out = []
    for row in rows:
        rank += row.status == WAITLISTED
        out.append(_enrollment_out(row, rank if row.status == WAITLISTED else None))
    return out


def _enrollment_out(row: Enrollment, rank: int | None) -> EnrollmentOut:
    return EnrollmentOut(
        beneficiary_id=row.beneficiary_id,
        status=row.status,
        rank=rank,
        source=row.source,
        created_at=row.created_at,
    )


@router.post(
    "/events/{event_id}/enrollments",
    response_model=list[EnrollLineOut],
    summary="Inscrire une ou plusieurs personnes (identifiants ou numéros)",
)
async def enroll(
    event_id: int, body: EnrollIn, session: SessionDep, staff: CurrentStaff
) -> list[EnrollLineOut]:
    with domain_errors():
        event = await service.get_event(session, event_id)
        lines = await enroll_list(
            session,
            event=event,
            now=utcnow(),
            beneficiary_ids=body.beneficiary_ids,
            phones=body.phones,
            # One person is a staff enrolment; several at once a list, never an import.
            source="staff" if len(body.beneficiary_ids) + len(body.phones) == 1 else "list",
            staff_id=staff.id,
            create_missing=body.create_missing,
            notify=body.notify,
        )
    return [EnrollLineOut.model_validate(line) for line in lines]


@router.delete(
    "/events/{event_id}/enrollments/{beneficiary_id}",
    response_model=WithdrawOut,
    summary="Désinscrire (la première personne en attente prend la place)",
)
async def withdraw(
    event_id: int, beneficiary_id: int, session: SessionDep, _staff: CurrentStaff
) -> WithdrawOut:
    with domain_errors():
        event = await service.get_event(session, event_id)
        promoted = await enrollments.withdraw(
            session, event=event, beneficiary_id=beneficiary_id, now=utcnow()
        )
    return WithdrawOut(promoted=promoted)


@router.get(
    "/occurrences/{occurrence_id}",
    response_model=RosterOut,
    summary="Une séance : confirmés, excusés, sans réponse, présences, rappels",
)
async def read_occurrence(
    occurrence_id: int, session: SessionDep, _staff: CurrentStaff
) -> RosterOut:
    with domain_errors():
        found = await attendance.roster(session, occurrence_id=occurrence_id)
    row, event = found.occurrence, found.event
    return RosterOut(
        occurrence=written_occurrence_out(event, row),
        event_id=event.id,
        title=event_text(event.texts, "title", "fr"),
        confirmed=found.count(attendance.CONFIRMED),
        declined=found.count(attendance.DECLINED_ANSWER),
        no_answer=found.count(attendance.NO_ANSWER),
        people=[RosterLineOut.model_validate(line) for line in found.lines],
    )


@router.put(
    "/occurrences/{occurrence_id}/attendance",
    response_model=RosterOut,
    summary="Noter les présences",
)
async def record_attendance(
    occurrence_id: int, body: AttendanceIn, session: SessionDep, staff: CurrentStaff
) -> RosterOut:
    now = utcnow()
    marks = [(pid, True) for pid in body.present] + [(pid, False) for pid in body.absent]
    with domain_errors():
        for pid, present in marks:
            await attendance.record_attendance(
                session,
                occurrence_id=occurrence_id,
                beneficiary_id=pid,
                present=present,
                now=now,
                staff_id=staff.id,
            )
    return await read_occurrence(occurrence_id, session, staff)


@router.put(
    "/occurrences/{occurrence_id}/rsvp",
    response_model=RsvpOut,
    summary="Noter la réponse d'une personne (au téléphone, à l'accueil)",
)
async def record_rsvp(
    occurrence_id: int, body: RsvpIn, session: SessionDep, _staff: CurrentStaff
) -> RsvpOut:
    with domain_errors():
        occurrence, event = await attendance.get_occurrence(session, occurrence_id)
        outcome = await rsvp.answer(
            session,
            occurrence=occurrence,
            event=event,
            beneficiary_id=body.beneficiary_id,
            yes=body.coming,
            now=utcnow(),
        )
    return RsvpOut(outcome=outcome.value)


@router.get(
    "/beneficiaries/{beneficiary_id}/activities",
    response_model=PersonActivityOut,
    summary="Activités d'une personne : inscriptions, réponses, présences, courriers",
)
async def activities(
    beneficiary_id: int, session: SessionDep, staff: CurrentStaff
) -> PersonActivityOut:
    with domain_errors():
        found = await person_activity(session, beneficiary_id=beneficiary_id)
    record_audit(
        session,
        staff_id=staff.id,
        action=VIEW,
        beneficiary_id=beneficiary_id,
        details={"part": "activities"},
    )
    return PersonActivityOut(
        lists=[ListEntryOut.model_validate(entry) for entry in found.lists],
        sessions=[SessionEntryOut.model_validate(entry) for entry in found.sessions],
        mail_days=found.mail_days,
    )
