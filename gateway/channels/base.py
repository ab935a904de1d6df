"""The small protocol every channel implements, and what a send can turn out to be."""

from __future__ import annotations

import enum
import re
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

import httpx


class Outcome(enum.StrEnum):
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the channel knows it arrived (the simulator)
    RETRY = "retry"  # nothing reached the provider, or it said "later": safe to try again
    FAILED = "failed"  # the provider refused it for good
    OPTED_OUT = "opted_out"  # the person cannot or does not want to receive on this channel
    UNKNOWN = "unknown"  # the call may or may not have sent: never repeat it blindly


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class OutboundFileRef:
    """A stored file to send with a message, where the channel carries files."""

    storage_key: str
    content_type: str
    file_name: str


@dataclass(frozen=True)
class OutboundEnvelope:
    message_id: int
    address: str
    text: str
    choices: tuple[Choice, ...] = ()
    file: OutboundFileRef | None = None


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    retry_after: float | None = None
    error_code: str | None = None
    reason: str | None = None
    pause_channel: bool = False


@dataclass(frozen=True)
class ProviderReport:
    """What a provider says became of a message it was given, in Lien's statuses."""

    provider_id: str
    status: str
    error_code: str | None = None


class StatusLookup(Protocol):
    """A channel whose provider can be asked what became of a message."""

    name: str

    async def lookup(self, provider_id: str) -> ProviderReport | None:
        """Ask by the provider's id; None if the provider does not know it."""
        ...

    async def find(self, *, address: str, text: str, since: datetime) -> ProviderReport | None:
        """Look for it by recipient and text; None if the provider has no such message."""
        ...


@dataclass(frozen=True)
class Removal:
    """What the provider said to deleting a message it stores: done (or already gone), or later."""

    done: bool
    reason: str | None = None


@dataclass(frozen=True)
class MediaRef:
    """A file a person sent with a message, as the provider names it, not yet fetched."""

    reference: str  # a Twilio media URL or a Telegram file_id
    declared_type: str | None = None


class MediaUnavailable(Exception):
    """The provider did not hand a file over; `lasting` when asking again cannot help."""

    def __init__(self, reason: str, *, lasting: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lasting = lasting


class MediaSource(Protocol):
    """A channel whose provider hands over the files people sent, with its credentials."""

    name: str

    def media(self, reference: str, *, max_bytes: int) -> AsyncGenerator[bytes, None]:
        """Stream a file in pieces; raise MediaUnavailable saying why it cannot.

        A file the provider says is larger than `max_bytes` is refused before it is sent.
        """
        ...


def too_large(max_bytes: int) -> str:
    """Say in French that a file is over the limit, in megabytes as people count them."""
    return f"fichier trop grand (plus de {max_bytes / (1024 * 1024):.3g} Mo)".replace(".", ",")


def declared_too_large(headers: Mapping[str, str], max_bytes: int) -> bool:
    """Tell whether an answer's Content-Length is over the limit."""
    length = headers.get("content-length", "")
    return length.isascii() and length.isdigit() and int(length) > max_bytes


async def download(
    files: httpx.AsyncClient, url: str, *, provider: str, missing: str, max_bytes: int
) -> AsyncGenerator[bytes, None]:
    """Stream a file from a provider's URL; raise MediaUnavailable saying why it cannot.

    `provider` names the provider in the reasons, `missing` is the reason when it has no file.
    """
    try:
        async with files.stream("GET", url) as response:
            if response.status_code == 404:
                raise MediaUnavailable(missing, lasting=True)
            if response.status_code >= 400:
                raise MediaUnavailable(f"{provider} a répondu {response.status_code}")
            if declared_too_large(response.headers, max_bytes):
                raise MediaUnavailable(too_large(max_bytes), lasting=True)
            async for piece in response.aiter_bytes():
                yield piece
    except httpx.HTTPError as exc:
        raise MediaUnavailable(f"téléchargement interrompu : {type(exc).__name__}") from exc


MAX_MEDIA = 10  # Twilio's limit per message; a Telegram message carries one
MAX_MEDIA_REF = 500
MAX_MEDIA_TYPE = 100


@dataclass(frozen=True)
class InboundMessage:
    """A message a person sent, already read from the channel's own format."""

    channel: str
    address: str
    text: str
    provider_id: str
    display_name: str | None = None
    language_hint: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # Where it was sent (a Twilio number or messaging service): picks the organisation of a
    # new sender when several share the instance.
    recipients: tuple[str, ...] = ()
    # Its files, in the order the person attached them: fetched later, never in the webhook.
    media: tuple[MediaRef, ...] = ()


MAX_ID = 64  # the widest provider id or address a column holds
_LANGUAGE = re.compile(r"[a-z]{2,3}")


def checked_inbound(message: InboundMessage) -> InboundMessage:
    """Return the message fit to store, or raise ValueError saying what is wrong with it.

    PostgreSQL text cannot hold NUL characters: they are dropped from free text. An address or
    provider id that no column can hold is refused; an odd language hint is ignored.
    """
    for field_name, value in (("adresse", message.address), ("identifiant", message.provider_id)):
        if not value or len(value) > MAX_ID or "\x00" in value:
            raise ValueError(f"{field_name} de message invalide")
    language = message.language_hint
    shown = message.display_name
    return replace(
        message,
        text=message.text.replace("\x00", ""),
        display_name=None if shown is None else shown.replace("\x00", "")[:100],
        language_hint=language if language and _LANGUAGE.fullmatch(language) else None,
        media=tuple(_checked_media(m) for m in message.media[:MAX_MEDIA]),
    )


def _checked_media(media: MediaRef) -> MediaRef:
    reference = media.reference
    if not reference or len(reference) > MAX_MEDIA_REF or "\x00" in reference:
        raise ValueError("référence de pièce jointe invalide")
    declared = (media.declared_type or "").replace("\x00", "").strip()[:MAX_MEDIA_TYPE]
    return MediaRef(reference, declared or None)


class Channel(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, envelope: OutboundEnvelope) -> SendResult: ...
