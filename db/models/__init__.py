"""Every table of Lien, importable from one place so that Alembic sees them all."""

from db.models.bot import Conversation, DirectoryOverride, TicketNote, TriageTicket
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

__all__ = [
    "ApiToken",
    "Beneficiary",
    "BeneficiaryTag",
    "ChannelState",
    "ConsentEvent",
    "ContactPoint",
    "Conversation",
    "DirectoryOverride",
    "Message",
    "MessageEvent",
    "Organisation",
    "Site",
    "StaffMember",
    "TicketNote",
    "TriageTicket",
]
