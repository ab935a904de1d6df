"""Every table of Lien, importable from one place so that Alembic sees them all."""

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
)

__all__ = [
    "ApiToken",
    "Beneficiary",
    "BeneficiaryTag",
    "ChannelRate",
    "ChannelState",
    "ConsentEvent",
    "ContactPoint",
    "Message",
    "MessageEvent",
    "Organisation",
    "Site",
    "StaffMember",
]
