"""Every table of Lien, importable from one place so that Alembic sees them all."""

from db.models.attachments import Attachment
from db.models.audit import AuditEvent
from db.models.bot import (
    Conversation,
    DirectoryOverride,
    TicketNote,
    TranslationOverride,
    TriageTicket,
)
from db.models.broadcast import (
    Broadcast,
    BroadcastRecipient,
    BroadcastReply,
    BroadcastText,
    ImportJob,
)
from db.models.core import (
    ApiToken,
    Beneficiary,
    BeneficiaryTag,
    ChannelRate,
    ChannelState,
    ConsentEvent,
    ContactPoint,
    Message,
    MessageEvent,
    Organisation,
    Site,
    StaffMember,
    StaffSession,
)
from db.models.inbound import InboundArrival
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
from db.models.privacy import ErasedContact, ProviderDeletion, RetentionCount
from db.models.tags import TagLabel

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Beneficiary",
    "BeneficiaryTag",
    "Broadcast",
    "BroadcastRecipient",
    "BroadcastReply",
    "BroadcastText",
    "ChannelRate",
    "ChannelState",
    "ConsentEvent",
    "ContactPoint",
    "Conversation",
    "DirectoryOverride",
    "Enrollment",
    "ErasedContact",
    "Event",
    "EventMenu",
    "ImportJob",
    "InboundArrival",
    "MailNotice",
    "Message",
    "MessageEvent",
    "Occurrence",
    "OccurrenceChange",
    "Organisation",
    "ProviderDeletion",
    "Reminder",
    "RetentionCount",
    "Rsvp",
    "Site",
    "StaffMember",
    "StaffSession",
    "TagLabel",
    "TicketNote",
    "TranslationOverride",
    "TriageTicket",
]
