"""Every table of Lien, importable from one place so that Alembic sees them all."""

from db.models.broadcast import Broadcast, BroadcastRecipient, BroadcastReply, BroadcastText
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
    "Broadcast",
    "BroadcastRecipient",
    "BroadcastReply",
    "BroadcastText",
    "ChannelState",
    "ConsentEvent",
    "ContactPoint",
    "Message",
    "MessageEvent",
    "Organisation",
    "Site",
    "StaffMember",
]
