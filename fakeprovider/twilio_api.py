"""The slice of Twilio's REST API (2010-04-01 Messages) that Lien uses."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakeprovider.callbacks import StatusCallbackSender
from fakeprovider.exchange import Exchange, Params, answer, read_params
from fakeprovider.faults import TWILIO_ERRORS, Fault
from fakeprovider.state import FakeProviderState, Message

API_VERSION = "2010-04-01"
MAX_BODY_LENGTH = 1600
# GSM 03.38: the basic table costs one septet, the extension table two.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def twilio_routes(state: FakeProviderState, callbacks: StatusCallbackSender) -> list[Route]:
    """Return the routes of the fake Twilio Messages API."""
    api = _TwilioApi(state, callbacks)
    base = f"/{API_VERSION}/Accounts/{{account_sid}}"
    return [
        Route(f"{base}/Messages.json", api.create, methods=["POST"]),
        Route(f"{base}/Messages.json", api.list_messages, methods=["GET"]),
        Route(
            f"{base}/Messages/{{message_sid}}.json", api.message, methods=["GET", "POST", "DELETE"]
        ),
        Route(
            f"{base}/Messages/{{message_sid}}/Media/{{media_sid}}.json",
            api.delete_media,
            methods=["DELETE"],
        ),
        Route(f"{base}/Messages/{{message_sid}}/Media/{{media_sid}}", api.media, methods=["GET"]),
    ]


def media_path(account_sid: str, media_sid: str) -> str:
    """Return the path of a media URL, as an inbound MMS webhook gives it (MediaUrlN)."""
    message_sid = "MM" + media_sid.removeprefix("ME")
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}"


def twilio_error(status: int, code: int, message: str) -> JSONResponse:
    """Return an error in Twilio's JSON shape, which the twilio library turns into exceptions."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status)


def refuse(fault: Fault) -> Response:
    """Answer a call with an error fault, in Twilio's shape."""
    status = fault.status or 500
    code = fault.code or 20000 + status
    message = fault.description or TWILIO_ERRORS.get(code, (status, ""))[1]
    return twilio_error(status, code, message or HTTPStatus(status).phrase)


def count_segments(body: str) -> int:
    """Count the SMS parts a body needs: 160/153 GSM-7 septets or 70/67 UCS-2 units."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in body):
        length = sum(2 if char in GSM7_EXTENSION else 1 for char in body)
        single, part = 160, 153
    else:
        length = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if length <= single else math.ceil(length / part)


def _known(code: int) -> JSONResponse:
    status, message = TWILIO_ERRORS[code]
    return twilio_error(status, code, message)


class _TwilioApi:
    def __init__(self, state: FakeProviderState, callbacks: StatusCallbackSender) -> None:
        self.state = state
        self.callbacks = callbacks

    async def create(self, request: Request) -> Response:
        params = await read_params(request)
        to = params.get("To")
        exchange = Exchange(self.state, request, "twilio", "create", params, to)
        if denied := self._deny(request):
            exchange.record(denied.status_code)
            return denied
        fault = self.state.take_fault("twilio", "create", to)
        account_sid = request.path_params["account_sid"]
        return await answer(
            exchange, fault, perform=partial(self._create, params, account_sid), refuse=refuse
        )

    async def list_messages(self, request: Request) -> Response:
        """List messages, newest first, filtered by To, From and DateSent bounds (one page)."""
        params = await read_params(request)
        exchange = Exchange(self.state, request, "twilio", "list", params, params.get("To"))
        if denied := self._deny(request):
            exchange.record(denied.status_code)
            return denied
        fault = self.state.take_fault("twilio", "list", params.get("To"))
        return await answer(
            exchange, fault, perform=partial(self._list, request, params), refuse=refuse
        )

    def _list(self, request: Request, params: Params, fault: Fault | None) -> Response:
        try:
            found = [m for m in self.state.twilio_messages() if _listed(m, params)]
            size = max(1, min(1000, int(params.get("PageSize", 50))))
        except ValueError as exc:
            return twilio_error(400, 20001, f"Invalid parameter: {exc}")
        found.sort(key=lambda m: parsedate_to_datetime(m["date_created"]), reverse=True)
        body = {
            "messages": found[:size],
            "page": 0,
            "page_size": size,
            "first_page_uri": request.url.path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": request.url.path,
            "end": min(size, len(found)) - 1,
            "start": 0,
        }
        return JSONResponse(body)

    async def message(self, request: Request) -> Response:
        params = await read_params(request)
        sid = request.path_params["message_sid"]
        found = self.state.twilio_message(sid)
        to = None if found is None else found["to"]
        method = {"GET": "fetch", "POST": "update", "DELETE": "delete"}[request.method]
        exchange = Exchange(self.state, request, "twilio", method, params, to)
        if denied := self._deny(request):
            exchange.record(denied.status_code)
            return denied
        fault = self.state.take_fault("twilio", method, to)
        perform = {"fetch": self._fetch, "update": self._update, "delete": self._delete}[method]
        return await answer(
            exchange, fault, perform=partial(perform, request, params), refuse=refuse
        )

    async def media(self, request: Request) -> Response:
        """Serve a file of an inbound MMS (faults: method "media")."""
        exchange = Exchange(self.state, request, "twilio", "media", {}, None)
        if denied := self._deny(request):
            exchange.record(denied.status_code)
            return denied
        fault = self.state.take_fault("twilio", "media", None)
        return await answer(exchange, fault, perform=partial(self._media, request), refuse=refuse)

    def _media(self, request: Request, fault: Fault | None) -> Response:
        found = self.state.media(request.path_params["media_sid"])
        if found is None:
            return _not_found(request)
        return Response(found.content, media_type=found.content_type)

    async def delete_media(self, request: Request) -> Response:
        """Delete a file of an inbound MMS, as the media resource's DELETE does (faults too)."""
        exchange = Exchange(self.state, request, "twilio", "delete_media", {}, None)
        if denied := self._deny(request):
            exchange.record(denied.status_code)
            return denied
        fault = self.state.take_fault("twilio", "delete_media", None)
        return await answer(
            exchange, fault, perform=partial(self._delete_media, request), refuse=refuse
        )

    def _delete_media(self, request: Request, fault: Fault | None) -> Response:
        if not self.state.delete_media(request.path_params["media_sid"]):
            return _not_found(request)
        return Response(status_code=204)

    def _deny(self, request: Request) -> JSONResponse | None:
        authorized = request.headers.get("authorization") == self.state.twilio_authorization
        if authorized and request.path_params["account_sid"] == self.state.twilio_account_sid:
            return None
        response = _known(20003)
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response

    def _create(self, params: Params, account_sid: str, fault: Fault | None) -> Response:
        refusal = _validate(params)
        if refusal is not None:
            return refusal
        message = _new_message(params, account_sid)
        stored = dict(message)
        final_status = "delivered"
        if fault is not None and fault.kind == "undelivered":
            final_status = fault.description or "undelivered"
            stored.update(error_code=fault.code, error_message=None)
        stored.update(status=final_status, date_sent=message["date_created"])
        self.state.add_twilio_message(stored)
        callback_url = params.get("StatusCallback")
        if callback_url and self.state.callback_settings.enabled:
            self.callbacks.schedule(callback_url, stored)
        return JSONResponse(message, status_code=201)

    def _fetch(self, request: Request, params: Params, fault: Fault | None) -> Response:
        message = self.state.twilio_message(request.path_params["message_sid"])
        return _not_found(request) if message is None else JSONResponse(message)

    def _update(self, request: Request, params: Params, fault: Fault | None) -> Response:
        changes: Params = {"date_updated": _now()}
        if "Body" in params:
            if params["Body"] != "":
                return twilio_error(400, 20001, "Message body can only be redacted to ''")
            changes["body"] = ""
        message = self.state.update_twilio_message(request.path_params["message_sid"], changes)
        return _not_found(request) if message is None else JSONResponse(message)

    def _delete(self, request: Request, params: Params, fault: Fault | None) -> Response:
        if not self.state.delete_twilio_message(request.path_params["message_sid"]):
            return _not_found(request)
        return Response(status_code=204)


def _validate(params: Params) -> JSONResponse | None:
    if not params.get("To"):
        return _known(21604)
    if not params.get("From") and not params.get("MessagingServiceSid"):
        return _known(21603)
    body = params.get("Body")
    if not body and not params.get("MediaUrl") and not params.get("ContentSid"):
        return _known(21602)
    if body and len(body) > MAX_BODY_LENGTH:
        return _known(21617)
    return None


def _listed(message: Message, params: Params) -> bool:
    """Tell whether a message matches a list query's filters."""
    if "To" in params and message["to"] != params["To"]:
        return False
    if "From" in params and message["from"] != params["From"]:
        return False
    sent = parsedate_to_datetime(message["date_created"])
    after, before = params.get("DateSent>"), params.get("DateSent<")
    if after and sent < _instant(after):
        return False
    return not (before and sent > _instant(before))


def _instant(text: str) -> datetime:
    """Read an ISO 8601 date or date-time as the client library sends it, in UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _new_message(params: Params, account_sid: str) -> Message:
    sid = "SM" + uuid.uuid4().hex
    now = _now()
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"
    body = params.get("Body") or ""
    sender = params.get("From")
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": sender,
        "messaging_service_sid": params.get("MessagingServiceSid"),
        "num_media": "1" if params.get("MediaUrl") else "0",
        "num_segments": str(count_segments(body)),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued" if sender else "accepted",
        "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
        "to": params["To"],
        "uri": uri,
    }


def _not_found(request: Request) -> JSONResponse:
    message = f"The requested resource {request.url.path} was not found"
    return twilio_error(404, 20404, message)


def _now() -> str:
    return format_datetime(datetime.now(UTC))
