"""One organisation's view of the database, applied to every ORM query of a scoped session.

An authenticated request puts a `Scope` on its session; from then on every ORM select,
update and delete of an organisation's rows (people and what hangs off them, sites, events,
staff, broadcasts, audit, directory edits) is filtered to that organisation. A row of another
organisation is then exactly as absent as a row that does not exist, whatever the route asks.
Sessions without a scope (webhooks, jobs, the command line) see everything, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, event, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from db.models import (
    ApiToken,
    Attachment,
    AuditEvent,
    Beneficiary,
    BeneficiaryTag,
    Broadcast,
    BroadcastRecipient,
    BroadcastReply,
    BroadcastText,
    ConsentEvent,
    ContactPoint,
    Conversation,
    DirectoryOverride,
    Enrollment,
    Event,
    EventMenu,
    ImportJob,
    MailNotice,
    Message,
    MessageEvent,
    Occurrence,
    OccurrenceChange,
    Organisation,
    ProviderDeletion,
    Reminder,
    RetentionCount,
    Rsvp,
    Site,
    StaffMember,
    TicketNote,
    TranslationOverride,
    TriageTicket,
)

_SCOPE_KEY = "lien_scope"
# Execution option for the few reads that must see every organisation: a unique name or
# e-mail address is unique across the instance, so its check cannot be scoped.
ALL_ORGANISATIONS = "lien_all_organisations"

# Tables that hold data about a person, through their `beneficiary_id`.
_PERSONAL: tuple[Any, ...] = (
    BeneficiaryTag,
    ContactPoint,
    ConsentEvent,
    Message,
    Conversation,
    TriageTicket,
    Enrollment,
    Rsvp,
    Reminder,
    EventMenu,
    MailNotice,
    BroadcastRecipient,
    BroadcastReply,
    ProviderDeletion,
)
# Tables that reach their organisation through a parent other than the person.
_DERIVED: tuple[Any, ...] = (
    Event,
    Occurrence,
    OccurrenceChange,
    TicketNote,
    MessageEvent,
    BroadcastText,
    AuditEvent,
)
# Tables that carry their organisation themselves.
_OWNED: tuple[Any, ...] = (
    Beneficiary,
    Site,
    Broadcast,
    ImportJob,
    RetentionCount,
    DirectoryOverride,
    TranslationOverride,
    Attachment,
)


@dataclass(frozen=True)
class Scope:
    """Whose rows a session may see: one organisation, or none (the instance operator)."""

    organisation_id: int | None
    # A volunteer sees only the tickets given to them (and so only those tickets' notes).
    assignee_id: int | None = None


def set_scope(session: AsyncSession | Session, scope: Scope) -> None:
    """Limit every later ORM query of this session to the scope's organisation."""
    target = session.sync_session if isinstance(session, AsyncSession) else session
    target.info[_SCOPE_KEY] = scope


def scope_of(session: AsyncSession | Session) -> Scope | None:
    """Return the session's scope, or None when it sees every organisation."""
    target = session.sync_session if isinstance(session, AsyncSession) else session
    found = target.info.get(_SCOPE_KEY)
    return found if isinstance(found, Scope) else None


async def owning_organisation(session: AsyncSession) -> int:
    """Return the organisation new rows of this session belong to.

    A scoped session writes for its own organisation; an unscoped one (tests, a command on a
    single-organisation instance) for the first organisation created.
    """
    scope = scope_of(session)
    if scope is not None:
        if scope.organisation_id is None:
            raise PermissionError("the instance operator writes no association's data")
        return scope.organisation_id
    first = await session.scalar(select(Organisation.id).order_by(Organisation.id).limit(1))
    if first is None:
        raise LookupError("no organisation exists yet")
    return int(first)


def _criteria(scope: Scope) -> list[tuple[Any, ColumnElement[bool]]]:
    organisation_id = scope.organisation_id
    if organisation_id is None:
        # The operator manages organisations and their accounts and reads nobody's data.
        # Sites stay visible: they name places, not people, and come with each organisation.
        hidden = (*_PERSONAL, *(m for m in _OWNED if m is not Site), *_DERIVED)
        return [(model, false()) for model in hidden]
    org = organisation_id
    people = select(Beneficiary.id).where(Beneficiary.organisation_id == org)
    staff = select(StaffMember.id).where(StaffMember.organisation_id == org)
    sites = select(Site.id).where(Site.organisation_id == org)
    events = select(Event.id).where(Event.site_id.in_(sites))
    occurrences = select(Occurrence.id).where(Occurrence.event_id.in_(events))
    own_tickets: ColumnElement[bool] = TriageTicket.beneficiary_id.in_(people)
    if scope.assignee_id is not None:
        own_tickets = own_tickets & (TriageTicket.assignee_id == scope.assignee_id)
    tickets = select(TriageTicket.id).where(own_tickets)
    messages = select(Message.id).where(Message.beneficiary_id.in_(people))
    broadcasts = select(Broadcast.id).where(Broadcast.organisation_id == org)
    found: list[tuple[Any, ColumnElement[bool]]] = [
        (Organisation, Organisation.id == org),
        (StaffMember, StaffMember.organisation_id == org),
        (ApiToken, ApiToken.staff_member_id.in_(staff)),
        (Event, Event.site_id.in_(sites)),
        (Occurrence, Occurrence.event_id.in_(events)),
        (OccurrenceChange, OccurrenceChange.occurrence_id.in_(occurrences)),
        (TriageTicket, own_tickets),
        (TicketNote, TicketNote.ticket_id.in_(tickets)),
        (MessageEvent, MessageEvent.message_id.in_(messages)),
        (BroadcastText, BroadcastText.broadcast_id.in_(broadcasts)),
        # An action counts as the organisation's when it concerns one of its people, or
        # when one of its staff did it to nobody in particular.
        (
            AuditEvent,
            or_(
                AuditEvent.beneficiary_id.in_(people),
                AuditEvent.beneficiary_id.is_(None) & AuditEvent.staff_member_id.in_(staff),
            ),
        ),
    ]
    found += [(model, model.organisation_id == org) for model in _OWNED]
    found += [
        (model, model.beneficiary_id.in_(people))
        for model in _PERSONAL
        if model is not TriageTicket
    ]
    return found


@event.listens_for(Session, "do_orm_execute")
def _apply_scope(state: ORMExecuteState) -> None:
    scope = state.session.info.get(_SCOPE_KEY)
    if not isinstance(scope, Scope) or state.execution_options.get(ALL_ORGANISATIONS):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    options = [
        with_loader_criteria(model, criterion if criterion is not None else true())
        for model, criterion in _criteria(scope)
    ]
    state.statement = state.statement.options(*options)
