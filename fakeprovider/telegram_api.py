"""The slice of the Telegram Bot API that Lien uses, answering as api.telegram.org does."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakeprovider.exchange import UPLOADS, Exchange, Params, answer, read_params
from fakeprovider.faults import Fault
from fakeprovider.state import FakeProviderState, Message

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
# The Bot API takes uploads of photos up to 10 MB and of documents up to 50 MB.
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
MAX_DOCUMENT_UPLOAD = 50 * 1024 * 1024
# The Bot API hands bots files of up to 20 MB.
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
FILE_FOLDER = "documents/"
# Parameters that carry objects; texts are never decoded, even when they look like JSON.
JSON_PARAMETERS = frozenset(
    {"reply_markup", "entities", "allowed_updates", "link_preview_options", "reply_parameters"}
)
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)

Handler = Callable[[str, Params], JSONResponse]


def telegram_routes(state: FakeProviderState) -> list[Route]:
    """Return the routes of the fake Bot API: /bot{token}/{method}, and files by their path."""
    api = _TelegramApi(state)
    return [
        Route("/bot{token}/{method}", api.call, methods=["GET", "POST"]),
        Route("/file/bot{token}/{path:path}", api.file, methods=["GET"]),
    ]


def telegram_error(status: int, description: str, retry_after: int | None = None) -> JSONResponse:
    """Return an error in the Bot API's JSON shape, which PTB turns into exceptions."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=status)


def refuse(fault: Fault) -> Response:
    """Answer a call with an error fault, in the Bot API's shape."""
    status = fault.status or 500
    description = fault.description or HTTPStatus(status).phrase
    return telegram_error(status, description, fault.retry_after)


def bot_user(token: str) -> dict[str, Any]:
    """Return the User object of the bot that owns `token`."""
    prefix = token.split(":", 1)[0]
    bot_id = int(prefix) if prefix.isdigit() else abs(hash(token)) % 10**10
    return {"id": bot_id, "is_bot": True, "first_name": "Lien", "username": f"lien_{bot_id}_bot"}


def decode_nested(params: Params) -> Params:
    """Decode the objects (reply_markup, entities…) that form-encoded calls send as JSON text."""
    for key in JSON_PARAMETERS.intersection(params):
        value = params[key]
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _ok(result: Any, description: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": True, "result": result}
    if description:
        body["description"] = description
    return JSONResponse(body)


def _bad_request(description: str) -> JSONResponse:
    return telegram_error(400, f"Bad Request: {description}")


def _inline_keyboard(params: Params) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return markup
    return None


class _TelegramApi:
    def __init__(self, state: FakeProviderState) -> None:
        self.state = state
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
        }
        # The Bot API reads method names without regard to case.
        self.methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    async def call(self, request: Request) -> Response:
        params = decode_nested(await read_params(request))
        for key, (content, content_type) in getattr(request.state, UPLOADS, {}).items():
            # Kept as a file the bot could fetch back, as Telegram keeps what it is sent.
            params[key]["file_id"] = self.state.add_media(content, content_type)
        token = request.path_params["token"]
        chat_id = params.get("chat_id")
        recipient = None if chat_id is None else str(chat_id)
        name, handler = self.methods.get(request.path_params["method"].lower(), (None, None))
        exchange = Exchange(self.state, request, "telegram", name or "unknown", params, recipient)
        if token not in self.state.telegram_tokens:
            refusal = telegram_error(401, "Unauthorized")
        elif name is None or handler is None:
            refusal = telegram_error(404, "Not Found")
        else:
            fault = self.state.take_fault("telegram", name, recipient)
            perform = partial(_perform, handler, token, params)
            return await answer(exchange, fault, perform=perform, refuse=refuse)
        exchange.record(refusal.status_code)
        return refusal

    async def file(self, request: Request) -> Response:
        """Serve a file by the path getFile gave (faults: method "file")."""
        exchange = Exchange(self.state, request, "telegram", "file", {}, None)
        if request.path_params["token"] not in self.state.telegram_tokens:
            exchange.record(401)
            return telegram_error(401, "Unauthorized")
        fault = self.state.take_fault("telegram", "file", None)
        return await answer(exchange, fault, perform=partial(self._file, request), refuse=refuse)

    def _file(self, request: Request, fault: Fault | None) -> Response:
        media_id = request.path_params["path"].removeprefix(FILE_FOLDER)
        found = self.state.media(media_id)
        if found is None:
            return telegram_error(404, "Not Found")
        return Response(found.content, media_type=found.content_type)

    def _get_file(self, token: str, params: Params) -> JSONResponse:
        file_id = str(params.get("file_id", ""))
        found = self.state.media(file_id)
        if found is None:
            return _bad_request("invalid file_id")
        if len(found.content) > MAX_DOWNLOAD_SIZE:
            return _bad_request("file is too big")
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": file_id[-16:],
                "file_size": len(found.content),
                "file_path": FILE_FOLDER + file_id,
            }
        )

    def _get_me(self, token: str, params: Params) -> JSONResponse:
        user = bot_user(token)
        user.update(can_join_groups=True, can_read_all_group_messages=False)
        return _ok(user | {"supports_inline_queries": False})

    def _send_message(self, token: str, params: Params) -> JSONResponse:
        chat_id = str(params.get("chat_id", ""))
        text = params.get("text")
        if not chat_id:
            return _bad_request("chat_id is empty")
        if not chat_id.lstrip("-").isdigit():
            return _bad_request("chat not found")
        if not text:
            return _bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            return _bad_request("message is too long")
        message: Message = {
            "from": bot_user(token),
            "chat": _chat(int(chat_id)),
            "date": int(time.time()),
            "text": text,
        }
        if markup := _inline_keyboard(params):
            message["reply_markup"] = markup
        return _ok(self.state.add_telegram_message(token, chat_id, message))

    def _send_photo(self, token: str, params: Params) -> JSONResponse:
        upload = params.get("photo")
        if not isinstance(upload, dict):
            return _bad_request("there is no photo in the request")
        if upload["size"] > MAX_PHOTO_UPLOAD:
            return _bad_request("file is too big")
        size = {
            "file_id": upload["file_id"],
            "file_unique_id": upload["file_id"][-16:],
            "file_size": upload["size"],
            "width": 800,
            "height": 600,
        }
        return self._send_file(token, params, {"photo": [size]})

    def _send_document(self, token: str, params: Params) -> JSONResponse:
        upload = params.get("document")
        if not isinstance(upload, dict):
            return _bad_request("there is no document in the request")
        if upload["size"] > MAX_DOCUMENT_UPLOAD:
            return _bad_request("file is too big")
        document = {
            "file_id": upload["file_id"],
            "file_unique_id": upload["file_id"][-16:],
            "file_name": upload["filename"],
            "mime_type": upload["content_type"],
            "file_size": upload["size"],
        }
        return self._send_file(token, params, {"document": document})

    def _send_file(self, token: str, params: Params, content: Message) -> JSONResponse:
        chat_id = str(params.get("chat_id", ""))
        if not chat_id.lstrip("-").isdigit():
            return _bad_request("chat not found")
        caption = params.get("caption")
        if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
            return _bad_request("message caption is too long")
        message: Message = {
            "from": bot_user(token),
            "chat": _chat(int(chat_id)),
            "date": int(time.time()),
            **content,
        }
        if caption:
            message["caption"] = caption
        if markup := _inline_keyboard(params):
            message["reply_markup"] = markup
        return _ok(self.state.add_telegram_message(token, chat_id, message))

    def _edit_message_text(self, token: str, params: Params) -> JSONResponse:
        if not params.get("text"):
            return _bad_request("message text is empty")
        return self._edit(token, params, text=params["text"])

    def _edit_reply_markup(self, token: str, params: Params) -> JSONResponse:
        return self._edit(token, params, text=None)

    def _edit(self, token: str, params: Params, *, text: str | None) -> JSONResponse:
        if params.get("inline_message_id"):
            return _ok(True)
        chat_id = str(params.get("chat_id", ""))
        message_id = str(params.get("message_id", ""))
        if not message_id.isdigit():
            return _bad_request("message identifier is not specified")
        current = self.state.telegram_message(token, chat_id, int(message_id))
        if current is None:
            return _bad_request("message to edit not found")
        edited = dict(current)
        if text is not None:
            edited["text"] = text
        edited.pop("reply_markup", None)
        if markup := _inline_keyboard(params):
            edited["reply_markup"] = markup
        same_markup = edited.get("reply_markup") == current.get("reply_markup")
        if edited.get("text") == current.get("text") and same_markup:
            return _bad_request(NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        self.state.replace_telegram_message(token, chat_id, edited)
        return _ok(edited)

    def _answer_callback_query(self, token: str, params: Params) -> JSONResponse:
        if not params.get("callback_query_id"):
            return _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        return _ok(True)

    def _set_webhook(self, token: str, params: Params) -> JSONResponse:
        url = params.get("url") or ""
        if not url:
            self.state.set_webhook(token, None)
            return _ok(True, "Webhook is already deleted")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.fullmatch(str(secret)):
            return _bad_request("secret token contains unallowed characters")
        keys = ("url", "secret_token", "allowed_updates", "max_connections")
        self.state.set_webhook(token, {key: params[key] for key in keys if key in params})
        return _ok(True, "Webhook was set")

    def _delete_webhook(self, token: str, params: Params) -> JSONResponse:
        self.state.set_webhook(token, None)
        return _ok(True, "Webhook was deleted")

    def _get_webhook_info(self, token: str, params: Params) -> JSONResponse:
        webhook = self.state.webhook(token) or {}
        info: dict[str, Any] = {
            "url": webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if webhook:
            info["max_connections"] = int(webhook.get("max_connections", 40))
        if "allowed_updates" in webhook:
            info["allowed_updates"] = webhook["allowed_updates"]
        return _ok(info)


def _perform(handler: Handler, token: str, params: Params, fault: Fault | None) -> Response:
    return handler(token, params)


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Test"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "Test group"}
