"""What the events API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from notifications.offsets import DEFAULT_OFFSETS

Kind = Literal["workshop", "distribution", "office_hours", "collective"]


class TextsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=120)
    text: str | None = Field(None, max_length=500)
    reminder: str | None = Field(
        None, max_length=480, description="Modèle de rappel : {title} {when} {place} {text}"
    )


class PatternIn(BaseModel):
    """The simple form: every week on some days, or the n-th weekday of the month."""

    model_config = ConfigDict(extra="forbid")
    frequency: Literal["weekly", "monthly"]
    weekdays: list[int] = Field(min_length=1, max_length=7, description="0 = lundi … 6 = dimanche")
    interval: int = Field(1, ge=1, le=12, description="toutes les n semaines (ou n mois)")
    week_of_month: int | None = Field(None, description="1 à 4, ou -1 pour le dernier du mois")
    until: date | None = None
    count: int | None = Field(None, ge=1, le=500)


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str = Field(min_length=1, max_length=64, description="Identifiant (slug) du site")
    kind: Kind
    texts: dict[str, TextsIn] = Field(description="Par langue ; le titre en français est requis")
    place: str | None = Field(None, max_length=200)
    start: datetime = Field(description="Début de la première séance, heure locale")
    end: datetime = Field(description="Fin de la première séance, heure locale")
    rrule: str | None = Field(None, max_length=500, description="RRULE (RFC 5545)")
    pattern: PatternIn | None = None
    timezone: str = Field("Europe/Paris", max_length=64)
    capacity: int | None = Field(None, ge=1, le=10000)
    skip_public_holidays: bool = True
    skip_school_holidays: bool = False
    reminders: list[str] = Field(default_factory=lambda: list(DEFAULT_OFFSETS), max_length=4)


class EventPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: dict[str, TextsIn] | None = None
    place: str | None = Field(None, max_length=200)
    capacity: int | None = Field(None, ge=1, le=10000, description="null : sans limite")
    reminders: list[str] | None = Field(None, max_length=4)
    status: Literal["active", "archived"] | None = None


class PatternOut(BaseModel):
    frequency: str
    weekdays: list[int]
    interval: int
    week_of_month: int | None
    until: date | None
    count: int | None


class EventOut(BaseModel):
    id: int
    site: str
    kind: str
    texts: dict[str, dict[str, str]]
    place: str | None
    start: datetime
    end: datetime
    timezone: str
    rrule: str
    pattern: PatternOut | None
    capacity: int | None
    enrolled: int
    waitlisted: int
    reminders: list[str]
    skip_public_holidays: bool
    skip_school_holidays: bool
    status: str
    created_at: datetime
    warnings: list[str] = Field(default_factory=list, description="ce que l'équipe doit vérifier")


class OccurrenceOut(BaseModel):
    id: int | None
    original_start: datetime
    start: datetime
    end: datetime
    local_start: str
    status: str


class OccurrenceChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    original_start: datetime = Field(description="Début prévu par la règle (UTC, ou heure locale)")
    reason: str | None = Field(None, max_length=300)
    notify: bool = True


class OccurrenceMoveIn(OccurrenceChangeIn):
    new_start: datetime = Field(description="Nouveau début, heure locale")


class ChangeOut(BaseModel):
    occurrence: OccurrenceOut
    notified: int


class EnrollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    beneficiary_ids: list[int] = Field(default_factory=list, max_length=5000)
    phones: list[str] = Field(default_factory=list, max_length=5000)
    create_missing: bool = False
    notify: bool = True


class EnrollLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    item: str
    beneficiary_id: int | None
    status: str
    detail: str | None
    created: bool


class EnrollmentOut(BaseModel):
    beneficiary_id: int
    status: str
    rank: int | None
    source: str
    created_at: datetime


class WithdrawOut(BaseModel):
    promoted: list[int]


class ReminderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    # The domain calls it offset_key; the API has always said offset.
    offset: str = Field(validation_alias=AliasChoices("offset", "offset_key"))
    due_at: datetime
    status: str
    detail: str | None
    message_id: int | None


class RosterLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    beneficiary_id: int
    name: str
    enrollment: str | None
    answer: str
    offer: str | None
    attended: bool | None
    reminders: list[ReminderOut]
    # What the person said besides yes or no ("oui mais en retard").
    note: str | None = None


class RosterOut(BaseModel):
    occurrence: OccurrenceOut
    event_id: int
    title: str
    confirmed: int
    declined: int
    no_answer: int
    people: list[RosterLineOut]


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    present: list[int] = Field(default_factory=list, max_length=2000)
    absent: list[int] = Field(default_factory=list, max_length=2000)


class RsvpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    beneficiary_id: int
    coming: bool


class RsvpOut(BaseModel):
    outcome: str


class CalendarLinkOut(BaseModel):
    url: str


class MailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    beneficiary_id: int


class MailNoticeOut(BaseModel):
    notice_id: int
    day: date
    marks: int
    message_id: int | None
    skipped_reason: str | None


class MailOut(MailNoticeOut):
    first_today: bool


class ListEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    event_id: int
    title: str
    status: str
    source: str
    since: datetime


class SessionEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    occurrence_id: int
    event_id: int
    title: str
    start: datetime
    session_status: str
    response: str | None
    offer: str | None
    attended: bool | None


class PersonActivityOut(BaseModel):
    lists: list[ListEntryOut]
    sessions: list[SessionEntryOut]
    mail_days: list[date]
