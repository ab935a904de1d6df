"""SMS through Twilio's REST API, with the real twilio library."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncGenerator, Awaitable, Mapping
from contextlib import aclosing
from datetime import datetime, timedelta

import aiohttp
import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from gateway import statuses
from gateway.channels.base import (
    MAX_MEDIA,
    InboundMessage,
    MediaRef,
    MediaUnavailable,
    OutboundEnvelope,
    Outcome,
    ProviderReport,
    Removal,
    SendResult,
    download,
)

log = logging.getLogger(__name__)
NAME = "sms"
# A media URL names its account, message and media: what the REST resource is built from.
MEDIA_PATH = re.compile(r"/Accounts/(AC\w+)/Messages/(\w+)/Media/(\w+?)(?:\.json)?")
# A message is looked for from a little before its attempt: Twilio dates to the second.
FIND_MARGIN = timedelta(minutes=1)
FIND_LIMIT = 200
# Twilio's message statuses, as Lien's: in status callbacks and in a fetched message.
STATUSES = {
    "queued": statuses.QUEUED,
    "accepted": statuses.QUEUED,
    "scheduled": statuses.QUEUED,
    "sending": statuses.SENDING,
    "sent": statuses.SENT,
    "delivered": statuses.DELIVERED,
    "undelivered": statuses.UNDELIVERED,
    "failed": statuses.FAILED,
    "read": statuses.READ,
}
OPTED_OUT_CODE = 21610
REASONS = {
    21610: "la personne a envoyé STOP à l'opérateur",
    21614: "numéro fixe : il ne reçoit pas de SMS",
    21211: "numéro invalide",
    21408: "pays non autorisé pour ce compte",
}


class TwilioChannel:
    name = NAME

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str | None,
        messaging_service_sid: str | None,
        api_url: str,
        status_callback_url: str | None,
        timeout: float = 10.0,
    ) -> None:
        if not sender and not messaging_service_sid:
            raise ValueError("ni LIEN_TWILIO_FROM ni LIEN_TWILIO_MESSAGING_SERVICE_SID")
        self._sid = account_sid
        self._token = auth_token
        self._sender = sender
        self._service = messaging_service_sid
        self._api_url = api_url.rstrip("/")
        self._callback = status_callback_url
        self._timeout = timeout
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None
        self._files: httpx.AsyncClient | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            raise RuntimeError("Twilio channel not started")
        return self._client

    async def start(self) -> None:
        self._http = AsyncTwilioHttpClient(timeout=self._timeout)
        self._client = Client(self._sid, self._token, http_client=self._http)
        # The REST domain's base URL is what every resource URL is built from; replacing it
        # lets a local double or a regional endpoint stand in for api.twilio.com.
        self._client.api.base_url = self._api_url
        # Media are fetched with the account's credentials; Twilio may redirect to a storage
        # URL, which httpx then calls without them.
        self._files = httpx.AsyncClient(
            auth=(self._sid, self._token), timeout=self._timeout, follow_redirects=True
        )

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._files is not None:
            await self._files.aclose()
        self._http = None
        self._client = None
        self._files = None

    async def media(self, reference: str, *, max_bytes: int) -> AsyncGenerator[bytes, None]:
        """Stream a file an MMS carried, from its media URL, with the account's credentials."""
        if self._files is None:
            raise RuntimeError("Twilio channel not started")
        if not reference.startswith(self._api_url + "/"):
            # The credentials go to Twilio only, whatever a stored URL says.
            raise MediaUnavailable("adresse de média hors de Twilio", lasting=True)
        pieces = download(
            self._files,
            reference,
            provider="Twilio",
            missing="média introuvable chez Twilio",
            max_bytes=max_bytes,
        )
        async with aclosing(pieces):
            async for piece in pieces:
                yield piece

    async def send(self, envelope: OutboundEnvelope) -> SendResult:
        params: dict[str, object] = {"to": envelope.address, "body": envelope.text}
        if self._service:
            params["messaging_service_sid"] = self._service
        else:
            params["from_"] = self._sender
        if self._callback:
            params["status_callback"] = f"{self._callback}?m={envelope.message_id}"
        try:
            # The SDK's own timeout is not applied on its async path: bound the call here.
            async with asyncio.timeout(self._timeout):
                created = await self.client.messages.create_async(**params)
        except TwilioRestException as exc:
            return _rest_error(exc)
        except aiohttp.ClientConnectorError as exc:
            return SendResult(Outcome.RETRY, reason=f"connexion impossible : {exc.os_error}")
        except TimeoutError:
            return SendResult(Outcome.UNKNOWN, reason="délai dépassé : envoi peut-être effectué")
        except (aiohttp.ClientError, OSError) as exc:
            return SendResult(Outcome.UNKNOWN, reason=f"connexion coupée : {type(exc).__name__}")
        return SendResult(Outcome.SENT, provider_id=created.sid)

    async def delete_message(self, sid: str) -> Removal:
        """Delete a message (body included) that Twilio stores, sent or received."""
        return await self._removal(self.client.messages(sid).delete_async())

    async def delete_media(self, reference: str) -> Removal:
        """Delete a file an MMS carried, by its media URL, once Lien keeps it."""
        path = reference.removeprefix(self._api_url)
        found = MEDIA_PATH.fullmatch(path.split("?", 1)[0].removeprefix("/2010-04-01"))
        if not reference.startswith(self._api_url + "/") or found is None:
            return Removal(done=True, reason="adresse de média hors de Twilio")
        account, message, media = found.groups()
        resource = self.client.api.v2010.accounts(account).messages(message).media(media)
        return await self._removal(resource.delete_async())

    async def _removal(self, deletion: Awaitable[object]) -> Removal:
        """Await a deletion at Twilio and say whether the resource is gone."""
        try:
            async with asyncio.timeout(self._timeout):
                await deletion
        except TwilioRestException as exc:
            if exc.status == 404:
                return Removal(done=True, reason="déjà absent chez Twilio")
            return Removal(done=False, reason=f"Twilio {exc.status} {exc.code or ''}".strip())
        except TimeoutError:
            return Removal(done=False, reason="délai dépassé")
        except (aiohttp.ClientError, OSError) as exc:
            return Removal(done=False, reason=f"connexion impossible : {type(exc).__name__}")
        return Removal(done=True)

    async def lookup(self, provider_id: str) -> ProviderReport | None:
        """Ask Twilio what became of a message; None if Twilio does not know it."""
        try:
            async with asyncio.timeout(self._timeout):
                found = await self.client.messages(provider_id).fetch_async()
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise
        return _report(found)

    async def find(self, *, address: str, text: str, since: datetime) -> ProviderReport | None:
        """Look for the message sent to `address` with `text` since then; None if there is none."""
        async with asyncio.timeout(self._timeout):
            found = await self.client.messages.list_async(
                to=address, date_sent_after=since - FIND_MARGIN, limit=FIND_LIMIT
            )
        matching = [m for m in found if m.body == text]
        return _report(matching[-1]) if matching else None


def _report(found: MessageInstance) -> ProviderReport | None:
    status = STATUSES.get(str(found.status or "").lower())
    if status is None or not found.sid:
        return None
    code = found.error_code
    return ProviderReport(found.sid, status, None if code is None else str(code))


def _rest_error(exc: TwilioRestException) -> SendResult:
    code = exc.code
    reason = REASONS.get(code or 0, f"Twilio {exc.status} {code or ''}: {exc.msg}".strip())
    error_code = str(code) if code else str(exc.status)
    if code == OPTED_OUT_CODE:
        return SendResult(Outcome.OPTED_OUT, error_code=error_code, reason=reason)
    if exc.status == 429 or code == 20429:
        return SendResult(Outcome.RETRY, error_code=error_code, reason="trop de requêtes")
    if exc.status >= 500:
        return SendResult(Outcome.RETRY, error_code=error_code, reason=reason)
    return SendResult(Outcome.FAILED, error_code=error_code, reason=reason)


class InvalidWebhook(ValueError):
    """A webhook whose content cannot be used; the message says why."""


def is_signed(*, auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Check Twilio's signature over the public URL and every field received."""
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def parse_inbound(params: Mapping[str, str]) -> InboundMessage:
    """Read an inbound SMS webhook; raise InvalidWebhook naming what is missing."""
    missing = [f for f in ("MessageSid", "From", "Body") if f not in params]
    if missing:
        raise InvalidWebhook(f"champs manquants : {', '.join(missing)}")
    sid = params["MessageSid"]
    if not sid or len(sid) > 64:
        raise InvalidWebhook("MessageSid invalide")
    recipients = tuple(v for k in ("To", "MessagingServiceSid") if (v := params.get(k, "")))
    return InboundMessage(
        channel=NAME,
        address=params["From"],
        text=params["Body"],
        provider_id=sid,
        recipients=recipients,
        media=_media(params),
    )


def _media(params: Mapping[str, str]) -> tuple[MediaRef, ...]:
    """Read an MMS's files: `NumMedia`, then `MediaUrlN` and `MediaContentTypeN` from 0."""
    count = params.get("NumMedia") or "0"
    if not (count.isascii() and count.isdigit()):
        raise InvalidWebhook("NumMedia invalide")
    media = []
    for n in range(min(int(count), MAX_MEDIA)):
        url = params.get(f"MediaUrl{n}")
        if not url:
            raise InvalidWebhook(f"champ manquant : MediaUrl{n}")
        media.append(MediaRef(url, params.get(f"MediaContentType{n}") or None))
    return tuple(media)
