"""What the broadcast and import API accept and return."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from broadcast.audience import AudienceFilter, AudienceSummary
from broadcast.cost import CostEstimate
from broadcast.preview import Preview, TextPreview
from broadcast.service import Draft
from db.models import Broadcast, BroadcastText

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Body = Annotated[str, StringConstraints(min_length=1, max_length=1600)]
Word = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class AudienceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sites: list[Word] = Field(default_factory=list, description="Sites (slug)")
    tags: list[Word] = Field(default_factory=list, description="Au moins une de ces étiquettes")
    exclude_tags: list[Word] = Field(default_factory=list, description="Aucune de celles-ci")
    languages: list[Language] = Field(default_factory=list)
    channels: list[Literal["sms", "telegram", "simulator"]] = Field(default_factory=list)
    event_id: int | None = Field(None, description="Inscrits à cet événement")
    contacted_within_days: int | None = Field(None, ge=0, le=3650)
    not_contacted_for_days: int | None = Field(None, ge=0, le=3650)

    def to_filter(self) -> AudienceFilter:
        return AudienceFilter(
            sites=tuple(self.sites),
            tags=tuple(self.tags),
            exclude_tags=tuple(self.exclude_tags),
            languages=tuple(self.languages),
            channels=tuple(self.channels),
            event_id=self.event_id,
            contacted_within_days=self.contacted_within_days,
            not_contacted_for_days=self.not_contacted_for_days,
        )


class AudienceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: str | None = Field(
        None, description="Organisation (slug), si vous en voyez plusieurs"
    )
    audience: AudienceIn = Field(default_factory=AudienceIn)


class SampleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    beneficiary_id: int
    first_name: str | None
    last_name: str | None
    language: str
    site: str | None
    channel: str


class AudienceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    count: int = Field(description="Messages envoyés : un par destinataire (un par numéro)")
    people: int = Field(description="Personnes atteintes, proches joints sur un numéro partagé")
    through_shared: int = Field(description="Personnes jointes sur le numéro d'un proche")
    by_channel: dict[str, int]
    by_language: dict[str, int]
    sample: list[SampleOut]

    @classmethod
    def of(cls, summary: AudienceSummary) -> AudienceOut:
        return cls.model_validate(summary)


class DraftPreviewIn(AudienceQuery):
    texts: dict[Language, Body] = Field(description="Un texte par langue ; le français est requis")
    stop_notice: bool = True


class BroadcastIn(DraftPreviewIn):
    title: str = Field(min_length=1, max_length=200)
    urgent: bool = Field(False, description="Alerte urgente : ignore les heures calmes")
    send_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    reply_text: str | None = Field(
        None,
        max_length=500,
        description="Ce que reçoit une personne qui répond (par défaut : « Merci, l'équipe a "
        "bien reçu votre message »)",
    )

    def to_draft(self) -> Draft:
        return Draft(
            title=self.title,
            texts=self.texts,
            audience=self.audience.to_filter(),
            urgent=self.urgent,
            stop_notice=self.stop_notice,
            send_at=self.send_at,
            expires_at=self.expires_at,
            reply_text=(self.reply_text or "").strip() or None,
        )


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    send_at: AwareDatetime | None = Field(None, description="Plus tard ; maintenant sinon")
    confirm_repeat: bool = Field(
        False, description="Renvoyer un texte parti dans les 24 h vers une partie de ce public"
    )


class BroadcastOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organisation_id: int
    title: str
    status: str
    urgent: bool
    stop_notice: bool
    reply_text: str | None
    audience: dict[str, object]
    texts: dict[str, str]
    send_at: datetime | None
    expires_at: datetime | None
    recipient_count: int | None
    created_by: int | None
    approved_by: int | None
    created_at: datetime
    submitted_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None

    @field_validator("texts", mode="before")
    @classmethod
    def _by_language(cls, texts: object) -> object:
        """Read a broadcast's text rows as language → body."""
        if isinstance(texts, list):
            return {text.language: text.body for text in texts if isinstance(text, BroadcastText)}
        return texts

    @classmethod
    def of(cls, broadcast: Broadcast) -> BroadcastOut:
        return cls.model_validate(broadcast)


class CostLineOut(BaseModel):
    channel: str
    recipients: int
    units: int
    unit_price: Decimal | None
    cost: Decimal


class CostOut(BaseModel):
    total: Decimal
    currency: str
    complete: bool
    channels: list[CostLineOut]

    @classmethod
    def of(cls, estimate: CostEstimate, currency: str) -> CostOut:
        lines = [CostLineOut(**vars(line)) for line in estimate.channels]
        return cls(
            total=estimate.total, currency=currency, complete=estimate.complete, channels=lines
        )


class TextPreviewOut(BaseModel):
    language: str
    read_by: list[str]
    recipients: int
    by_channel: dict[str, int]
    example: str
    encoding: str
    length: int
    segments: int
    ucs2_chars: list[str]
    suggestion: str | None = Field(
        description="Formulation GSM-7 proposée, jamais appliquée d'office"
    )
    personalised_ucs2: int
    sms_segments: int
    cost: CostOut

    @classmethod
    def of(cls, text: TextPreview, currency: str) -> TextPreviewOut:
        values = vars(text) | {"cost": CostOut.of(text.cost, currency)}
        return cls(**values)


class PreviewOut(BaseModel):
    recipients: int
    texts: list[TextPreviewOut]
    cost: CostOut

    @classmethod
    def of(cls, preview: Preview, currency: str) -> PreviewOut:
        return cls(
            recipients=preview.recipients,
            texts=[TextPreviewOut.of(t, currency) for t in preview.texts],
            cost=CostOut.of(preview.cost, currency),
        )


class ProgressOut(BaseModel):
    id: int
    status: str
    recipients: int
    counts: dict[str, int]
    replies: int


class ReplyOut(BaseModel):
    message_id: int
    beneficiary_id: int
    first_name: str | None
    channel: str
    text: str | None
    received_at: datetime


class ThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: str | None = None
    above: int | None = Field(
        None, ge=0, description="Validation au-delà de ce nombre ; vide : jamais"
    )
