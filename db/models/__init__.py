"""Every table of Lien, importable from one place so that Alembic sees them all."""

from db.models.audit import AuditEvent
from db.models.core import (
    ApiToken,
    Beneficiary,
    BeneficiaryTag,
    ChannelState,
    ConsentEvent,
    ContactPoint,
    Message,
    MessageEvent,
    Organisation,
    Site,
    StaffMember,
)
from db.models.notifications import (
    Enrollment,
    Event,
    EventMenu,
    MailNotice,
    Occurrence,
    OccurrenceChange,
    Reminder,
    Rsvp,
)

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Beneficiary",
    "BeneficiaryTag",
    "ChannelState",
    "ConsentEvent",
    "ContactPoint",
    "Enrollment",
    "Event",
    "EventMenu",
    "MailNotice",
    "Message",
    "MessageEvent",
    "Occurrence",
    "OccurrenceChange",
    "Organisation",
    "Reminder",
    "Rsvp",
    "Site",
    "StaffMember",
]
