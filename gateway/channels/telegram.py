"""Telegram through python-telegram-bot's Application, run inside Lien's own web server."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from contextvars import ContextVar

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ContextTypes, TypeHandler

from db.encryption import UndecryptableBody
from gateway.channels.base import (
    InboundMessage,
    MediaRef,
    MediaUnavailable,
    OutboundEnvelope,
    OutboundFileRef,
    Outcome,
    SendResult,
    checked_inbound,
    download,
    too_large,
)
from gateway.media_store import Store

log = logging.getLogger(__name__)
NAME = "telegram"
FILE_TIMEOUT_SECONDS = 30.0
# The Bot API's limit on a caption; a longer text goes in a message of its own, first.
CAPTION_LIMIT = 1024
InboundSink = Callable[[InboundMessage], Awaitable[None]]
# process_update() swallows handler errors; the webhook must still learn of them so that it
# answers with an error and Telegram delivers the update again.
_failures: ContextVar[list[BaseException] | None] = ContextVar("telegram_failures", default=None)


class UpdateFailed(RuntimeError):
    """Lien could not store an update; Telegram should deliver it again."""


class TelegramChannel:
    name = NAME

    def __init__(
        self,
        *,
        token: str,
        api_url: str,
        on_inbound: InboundSink | None = None,
        files: Store | None = None,
    ) -> None:
        self._token = token
        self._store = files
        self._api_url = api_url.rstrip("/")
        self._on_inbound = on_inbound
        self._app: Application | None = None  # type: ignore[type-arg]
        self._files: httpx.AsyncClient | None = None

    @property
    def application(self) -> Application:  # type: ignore[type-arg]
        if self._app is None:
            raise RuntimeError("Telegram channel not started")
        return self._app

    def set_inbound_sink(self, sink: InboundSink) -> None:
        self._on_inbound = sink

    async def start(self) -> None:
        app = (
            Application.builder()
            .token(self._token)
            .base_url(f"{self._api_url}/bot")
            .base_file_url(f"{self._api_url}/file/bot")
            .updater(None)
            .build()
        )
        app.add_handler(TypeHandler(Update, self._handle))
        app.add_error_handler(self._on_error)
        await app.initialize()
        await app.start()
        self._app = app
        self._files = httpx.AsyncClient(timeout=FILE_TIMEOUT_SECONDS)

    async def stop(self) -> None:
        if self._app is not None:
            await self._app.stop()
            await self._app.shutdown()
        if self._files is not None:
            await self._files.aclose()
        self._app = None
        self._files = None

    async def media(self, reference: str, *, max_bytes: int) -> AsyncGenerator[bytes, None]:
        """Stream a file a person sent: its path from getFile, then the file itself."""
        if self._files is None:
            raise RuntimeError("Telegram channel not started")
        try:
            found = await self.application.bot.get_file(reference)
        except BadRequest as exc:
            raise MediaUnavailable(
                f"fichier refusé par Telegram : {exc}"[:300], lasting=True
            ) from exc
        except TelegramError as exc:
            raise MediaUnavailable(f"Telegram injoignable : {exc}"[:300]) from exc
        if not found.file_path:
            raise MediaUnavailable("Telegram n'a pas donné le chemin du fichier", lasting=True)
        if found.file_size is not None and found.file_size > max_bytes:
            raise MediaUnavailable(too_large(max_bytes), lasting=True)
        pieces = download(
            self._files,
            found.file_path,
            provider="Telegram",
            missing="fichier introuvable chez Telegram",
            max_bytes=max_bytes,
        )
        async with aclosing(pieces):
            async for piece in pieces:
                yield piece

    async def process(self, data: object) -> None:
        """Hand a webhook body to the Application; raise ValueError if it is no Update."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("update_id manquant ou invalide")
        try:
            update = Update.de_json(data, self.application.bot)
            inbound = inbound_from_update(update)
        except Exception as exc:
            raise ValueError(f"mise à jour illisible : {type(exc).__name__}") from exc
        if inbound is not None:
            checked_inbound(inbound)  # refused here with a 400, not by a failing handler
        token = _failures.set([])
        try:
            await self.application.process_update(update)
            failures = _failures.get() or []
        finally:
            _failures.reset(token)
        if failures:
            raise UpdateFailed(str(failures[0])) from failures[0]

    async def _on_error(self, _update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        failures = _failures.get()
        if failures is not None and context.error is not None:
            failures.append(context.error)
        log.error("telegram update failed", exc_info=context.error)

    async def _handle(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        inbound = inbound_from_update(update)
        if update.callback_query is not None:
            await update.callback_query.answer()
        if inbound is not None and self._on_inbound is not None:
            await self._on_inbound(inbound)

    async def set_webhook(self, url: str, secret: str) -> bool:
        return bool(await self.application.bot.set_webhook(url=url, secret_token=secret))

    async def send(self, envelope: OutboundEnvelope) -> SendResult:
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(c.label, callback_data=c.key[:64])]
                    for c in envelope.choices
                ]
            )
            if envelope.choices
            else None
        )
        content = None
        if envelope.file is not None:
            try:
                content = await self._read(envelope.file)
            except (FileNotFoundError, UndecryptableBody) as exc:
                reason = "fichier joint introuvable" if isinstance(exc, OSError) else str(exc)
                return SendResult(Outcome.FAILED, reason=reason)
        try:
            if envelope.file is not None and content is not None:
                sent = await self._send_file(envelope, envelope.file, content, markup)
            else:
                sent = await self.application.bot.send_message(
                    chat_id=int(envelope.address), text=envelope.text, reply_markup=markup
                )
        except RetryAfter as exc:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # int today, timedelta later: both handled
                wait = _seconds(exc.retry_after)
            return SendResult(
                Outcome.RETRY,
                retry_after=wait,
                reason=f"limite Telegram ({wait:g} s)",
                error_code="429",
                pause_channel=True,
            )
        except Forbidden as exc:
            return SendResult(Outcome.OPTED_OUT, error_code="403", reason=f"bot bloqué : {exc}")
        except (BadRequest, InvalidToken) as exc:
            return SendResult(Outcome.FAILED, error_code="400", reason=str(exc)[:300])
        except NetworkError as exc:
            return _network_error(exc)
        return SendResult(Outcome.SENT, provider_id=f"{sent.chat_id}:{sent.message_id}")

    async def _read(self, file: OutboundFileRef) -> bytes:
        if self._store is None:
            raise FileNotFoundError(file.storage_key)
        # The Bot API takes an upload whole; a file to send is at most the attachment limit.
        return b"".join([piece async for piece in self._store.get(file.storage_key)])

    async def _send_file(
        self,
        envelope: OutboundEnvelope,
        file: OutboundFileRef,
        content: bytes,
        markup: InlineKeyboardMarkup | None,
    ) -> Message:
        """Send a file staff attached: a photo for an image, a document for a PDF.

        A text longer than a caption goes first, on its own: if the file then fails, the
        retry sends the text again (a person may read it twice, never miss it).
        """
        bot = self.application.bot
        chat_id = int(envelope.address)
        caption: str | None = envelope.text or None
        if caption is not None and len(caption) > CAPTION_LIMIT:
            await bot.send_message(chat_id=chat_id, text=caption)
            caption = None
        name = file.file_name or None
        sent: Message
        if file.content_type.startswith("image/"):
            try:
                sent = await bot.send_photo(
                    chat_id=chat_id,
                    photo=InputFile(content, filename=name, attach=False),
                    caption=caption,
                    reply_markup=markup,
                )
                return sent
            except BadRequest as exc:
                # An image Telegram will not show as a photo (its size or shape): as a file.
                log.info("photo refused, sent as a document", extra={"reason": str(exc)})
        sent = await bot.send_document(
            chat_id=chat_id,
            document=InputFile(content, filename=name, attach=False),
            caption=caption,
            reply_markup=markup,
        )
        return sent


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _network_error(exc: NetworkError) -> SendResult:
    cause = exc.__cause__
    # Nothing left the machine (no connection, no free slot), or Telegram answered with an
    # error status: safe to retry. A connection lost mid-request may have sent: unknown.
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return SendResult(Outcome.RETRY, reason=f"connexion impossible : {type(cause).__name__}")
    if isinstance(exc, TimedOut) or isinstance(cause, httpx.TransportError):
        return SendResult(Outcome.UNKNOWN, reason=f"issue inconnue : {exc}"[:300])
    return SendResult(Outcome.RETRY, reason=f"erreur Telegram : {exc}"[:300])


def inbound_from_update(update: Update) -> InboundMessage | None:
    """Turn a message (text, or a file with its caption) or a button press into an inbound one.

    Anything else (a sticker, a location, an edit) is ignored.
    """
    user = update.effective_user
    chat = update.effective_chat
    if chat is None:
        return None
    media: tuple[MediaRef, ...] = ()
    if update.callback_query is not None:
        text = update.callback_query.data or ""
    elif update.message is not None and update.message.text is not None:
        text = update.message.text
    elif update.message is not None and (media := message_media(update.message)):
        text = update.message.caption or ""
    else:
        return None
    return InboundMessage(
        channel=NAME,
        address=str(chat.id),
        text=text,
        provider_id=str(update.update_id),
        display_name=user.first_name if user else None,
        language_hint=(user.language_code or "").split("-")[0].lower()[:3] or None
        if user
        else None,
        media=media,
    )


def message_media(message: Message) -> tuple[MediaRef, ...]:
    """Return the file a Telegram message carries: a photo (its largest size), a document…"""
    if message.photo:
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        # Telegram re-encodes every photo it is sent as a JPEG.
        return (MediaRef(largest.file_id, "image/jpeg"),)
    if message.document is not None:
        return (MediaRef(message.document.file_id, message.document.mime_type),)
    if message.voice is not None:
        return (MediaRef(message.voice.file_id, message.voice.mime_type or "audio/ogg"),)
    if message.audio is not None:
        return (MediaRef(message.audio.file_id, message.audio.mime_type or "audio/mpeg"),)
    if message.video_note is not None:
        # Round videos have no declared type: Telegram always sends them as MP4.
        return (MediaRef(message.video_note.file_id, "video/mp4"),)
    return ()
