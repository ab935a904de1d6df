"""What the staff API accepts and returns."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

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
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    language: str = LANGUAGE
    site: str | None = Field(None, description="Identifiant du site (slug) ; le premier site sinon")
    phone: str | None = Field(None, max_length=40)
    telegram_chat_id: str | None = Field(None, pattern=r"^-?\d{1,20}$")
    tags: list[str] = Field(default_factory=list, max_length=50)


class BeneficiaryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}$")
    site: str | None = None
    preferred_channel: str | None = Field(None, pattern=r"^(sms|telegram|simulator)$")
    tags: list[str] | None = Field(None, max_length=50)


class StatusStep(BaseModel):
    status: str
    detail: str | None
    at: datetime


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


class StaffMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=1600)
    channel: str | None = Field(None, pattern=r"^(sms|telegram|simulator)$")


class QueuedOut(BaseModel):
    id: int
    status: str
    channel: str


class SimulatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    sender: str = Field(alias="from", min_length=3, max_length=40)
    text: str = Field(min_length=1, max_length=1600)


class SimulatorReply(BaseModel):
    id: int
    text: str
    choices: list[list[str]]


class SimulatorOut(BaseModel):
    beneficiary_id: int
    handled_by: str
    replies: list[SimulatorReply]
