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

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Beneficiary",
    "BeneficiaryTag",
    "ChannelState",
    "ConsentEvent",
    "ContactPoint",
    "Message",
    "MessageEvent",
    "Organisation",
    "Site",
    "StaffMember",
]
