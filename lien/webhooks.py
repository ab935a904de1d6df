"""Provider webhooks: verified, size-limited, deduplicated, answered fast."""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, Response, status

from db.base import MAX_ROW_ID, utcnow
from gateway.channels.telegram import UpdateFailed
from gateway.channels.twilio import STATUSES as TWILIO_STATUSES
from gateway.channels.twilio import InvalidWebhook, is_signed, parse_inbound
from gateway.outcomes import apply_provider_status
from lien.deps import RuntimeDep, SessionDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", tags=["webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_TWILIO_BODY = 8 * 1024
MAX_TELEGRAM_BODY = 64 * 1024


def _bad(code: int, reason: str) -> HTTPException:
    return HTTPException(code, detail=reason)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _bad(status.HTTP_413_CONTENT_TOO_LARGE, f"corps trop grand (> {limit} octets)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _bad(status.HTTP_413_CONTENT_TOO_LARGE, f"corps trop grand (> {limit} octets)")
    return body


async def _signed_form(request: Request, runtime: RuntimeDep) -> dict[str, str]:
    """Read a Twilio form and check its signature against the public URL Twilio called."""
    token = runtime.settings.twilio_auth_token
    if not token:
        raise _bad(status.HTTP_404_NOT_FOUND, "le canal SMS n'est pas configuré")
    raw = await _body(request, MAX_TWILIO_BODY)
    try:
        text = raw.decode("utf-8", errors="strict")
        params = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(status.HTTP_400_BAD_REQUEST, f"formulaire illisible : {exc}"[:200]) from exc
    url = runtime.settings.base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("x-twilio-signature", "")
    if not signature or not is_signed(
        auth_token=token, url=url, params=params, signature=signature
    ):
        raise _bad(status.HTTP_403_FORBIDDEN, "signature Twilio absente ou invalide")
    return params


@router.post("/twilio", response_class=Response, summary="SMS reçu (Twilio)")
async def twilio_inbound(request: Request, runtime: RuntimeDep) -> Response:
    params = await _signed_form(request, runtime)
    try:
        inbound = parse_inbound(params)
        stored = await runtime.store(inbound)
    except (InvalidWebhook, ValueError) as exc:
        raise _bad(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    if not stored:
        log.info("duplicate twilio webhook ignored")
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/twilio/status", response_class=Response, summary="Rapport d'envoi (Twilio)")
async def twilio_status(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    params = await _signed_form(request, runtime)
    message_ref = request.query_params.get("m", "")
    if not (message_ref.isascii() and message_ref.isdigit()) or int(message_ref) > MAX_ROW_ID:
        raise _bad(status.HTTP_400_BAD_REQUEST, "paramètre m (identifiant du message) invalide")
    reported = params.get("MessageStatus") or params.get("SmsStatus")
    if not reported:
        raise _bad(status.HTTP_400_BAD_REQUEST, "champ MessageStatus manquant")
    mapped = TWILIO_STATUSES.get(reported.lower())
    if mapped is not None:
        await apply_provider_status(
            session,
            message_id=int(message_ref),
            status=mapped,
            error_code=params.get("ErrorCode") or None,
            provider_id=params.get("MessageSid") or None,
            now=utcnow(),
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """Replace lone surrogates (valid JSON escapes, not storable text) with U+FFFD.

    The update is genuine and must be answered 200, or Telegram sends it again forever.
    """
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


@router.post("/telegram", summary="Mise à jour Telegram")
async def telegram_update(request: Request, runtime: RuntimeDep) -> dict[str, bool]:
    secret = runtime.settings.telegram_webhook_secret
    channel = runtime.telegram
    if channel is None or not secret:
        raise _bad(status.HTTP_404_NOT_FOUND, "le canal Telegram n'est pas configuré")
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise _bad(status.HTTP_403_FORBIDDEN, "jeton secret Telegram absent ou invalide")
    raw = await _body(request, MAX_TELEGRAM_BODY)
    try:
        data: Any = _storable(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(status.HTTP_400_BAD_REQUEST, f"JSON illisible : {exc}"[:200]) from exc
    try:
        await channel.process(data)
    except UpdateFailed as exc:
        raise _bad(status.HTTP_503_SERVICE_UNAVAILABLE, "mise à jour non enregistrée") from exc
    except ValueError as exc:
        raise _bad(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return {"ok": True}
