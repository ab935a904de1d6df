"""What the staff API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from db.models import Attachment, Message
from gateway.attachments import STATUS_LABELS, kind_label


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refused here with a 422, not by the database with a 500.
    if "\x00" in value:
        raise ValueError("caractère nul (\\0) interdit")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""A string from a request: any text but NUL, which no PostgreSQL column holds."""
Tag = Annotated[Text, Field(min_length=1, max_length=64)]

LANGUAGE = Field(default="fr", pattern=r"^[a-z]{2,3}$", description="Langue préférée (ISO 639-1)")


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    channel: str
    address: str
    opted_out: bool
    opted_out_at: datetime | None


class BeneficiaryOut(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    language: str
    site_id: int | None
    preferred_channel: str | None
    tags: list[str]
    fields: dict[str, object]
    contacts: list[ContactOut]
    last_contact_at: datetime | None
    created_at: datetime
    erased_at: datetime | None = None


class BeneficiaryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: Text | None = Field(None, max_length=100)
    last_name: Text | None = Field(None, max_length=100)
    language: str = LANGUAGE
    site: Text | None = Field(
        None, description="Identifiant du site (slug) ; le premier site sinon"
    )
    phone: Text | None = Field(None, max_length=40)
    telegram_chat_id: str | None = Field(None, pattern=r"^-?\d{1,20}$")
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str = Field(pattern=r"^(sms|telegram)$")
    address: Text = Field(max_length=40)


class BeneficiaryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: Text | None = Field(None, max_length=100)
    last_name: Text | None = Field(None, max_length=100)
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}$")
    site: Text | None = None
    preferred_channel: str | None = Field(None, pattern=r"^(sms|telegram|simulator)$")
    tags: list[Tag] | None = Field(None, max_length=50)


class StatusStep(BaseModel):
    status: str
    detail: str | None
    at: datetime


class AttachmentOut(BaseModel):
    id: int
    direction: str = Field(description="in : envoyé par la personne ; out : envoyé par l'équipe")
    kind: str | None = Field(description="Type lu dans le contenu (image/jpeg…), s'il est connu")
    kind_label: str = Field(description="En français, pour l'équipe")
    size: int | None
    status: str = Field(description="pending, stored ou failed")
    status_label: str = Field(description="En français, pour l'équipe")
    failure_reason: str | None = Field(description="Pourquoi le fichier n'est pas conservé")
    file_name: str | None


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.id,
        direction=attachment.direction,
        kind=attachment.detected_type,
        kind_label=kind_label(attachment),
        size=attachment.size,
        status=attachment.status,
        status_label=STATUS_LABELS.get(attachment.status, attachment.status),
        failure_reason=attachment.failure_reason,
        file_name=attachment.file_name,
    )


class MessageOut(BaseModel):
    id: int
    direction: str
    channel: str
    body: str | None
    status: str
    origin: str
    origin_ref: str | None
    error_code: str | None
    error_reason: str | None
    encoding: str | None
    segments: int | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    history: list[StatusStep]
    attachments: list[AttachmentOut] = []


class StaffMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text = Field(min_length=1, max_length=1600)
    channel: str | None = Field(None, pattern=r"^(sms|telegram|simulator)$")


class QueuedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    status: str
    channel: str

    @classmethod
    def of(cls, message: Message) -> QueuedOut:
        return cls.model_validate(message)


class SimulatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    sender: Text = Field(alias="from", min_length=3, max_length=40)
    text: Text = Field(min_length=1, max_length=1600)


class SimulatorReply(BaseModel):
    id: int
    text: str
    choices: list[list[str]]


class SimulatorOut(BaseModel):
    beneficiary_id: int
    handled_by: str
    replies: list[SimulatorReply]
