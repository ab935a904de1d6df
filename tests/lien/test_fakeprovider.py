"""The fake provider, driven by the real twilio and python-telegram-bot libraries."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import httpx
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from fakeprovider import (
    DEFAULT_TELEGRAM_TOKEN,
    DEFAULT_TWILIO_SID,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderServer,
    Fault,
    RemoteFakeProvider,
    StatusCallbackSettings,
)

PHONE = "+33612345678"
OTHER_PHONE = "+33698765432"
SENDER = "+33700000000"
CHAT = 4242


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_state(provider: FakeProviderServer) -> None:
    provider.state.reset()


def twilio_client(base_url: str, *, token: str = DEFAULT_TWILIO_TOKEN) -> Any:
    client = Client(DEFAULT_TWILIO_SID, token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = base_url
    return client


@pytest.fixture
async def twilio(provider: FakeProviderServer) -> AsyncIterator[Any]:
    client = twilio_client(provider.twilio_api_url)
    yield client
    await client.http_client.close()


@pytest.fixture
async def bot(provider: FakeProviderServer) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TELEGRAM_TOKEN, base_url=f"{provider.telegram_api_url}/bot") as bot:
        yield bot


@dataclass
class Receiver:
    url: str
    received: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    def statuses(self) -> list[str]:
        return [params["MessageStatus"] for _, params, _ in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    box = Receiver(url="")

    async def status(request: web.Request) -> web.Response:
        form = await request.post()
        params = {key: str(value) for key, value in form.items()}
        box.received.append((str(request.url), params, request.headers["X-Twilio-Signature"]))
        return web.Response(text="<Response/>", content_type="text/xml")

    app = web.Application()
    app.router.add_post("/status", status)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    box.url = f"http://127.0.0.1:{runner.addresses[0][1]}/status"
    yield box
    await runner.cleanup()


async def eventually(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(20):
        while not check():  # noqa: ASYNC110 - the state changes in the server's own thread
            await asyncio.sleep(0.01)


async def send_sms(client: Any, to: str = PHONE, **extra: Any) -> Any:
    return await client.messages.create_async(to=to, from_=SENDER, body="Bonjour", **extra)


# Twilio


async def test_twilio_create_returns_a_queued_message(
    twilio: Any, provider: FakeProviderServer
) -> None:
    message = await send_sms(twilio)

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.to, message.from_) == ("queued", PHONE, SENDER)
    assert message.account_sid == DEFAULT_TWILIO_SID
    assert provider.state.calls_to(PHONE) == 1
    [call] = provider.state.twilio_calls("create")
    assert (call.params["Body"], call.status) == ("Bonjour", 201)


async def test_twilio_counts_segments_by_encoding(twilio: Any) -> None:
    gsm = await twilio.messages.create_async(to=PHONE, from_=SENDER, body="é" * 161)
    ucs2 = await twilio.messages.create_async(to=PHONE, from_=SENDER, body="ç" * 71)

    assert (gsm.num_segments, ucs2.num_segments) == ("2", "2")


async def test_twilio_refuses_wrong_credentials(provider: FakeProviderServer) -> None:
    client = twilio_client(provider.twilio_api_url, token="wrong")
    with pytest.raises(TwilioRestException) as refused:
        await send_sms(client)
    await client.http_client.close()

    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert provider.state.calls_to(PHONE) == 0


async def test_twilio_requires_to_and_body(twilio: Any) -> None:
    with pytest.raises(TwilioRestException) as no_to:
        await twilio.messages.create_async(to="", from_=SENDER, body="Bonjour")
    with pytest.raises(TwilioRestException) as no_body:
        await twilio.messages.create_async(to=PHONE, from_=SENDER)

    assert (no_to.value.code, no_body.value.code) == (21604, 21602)


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Fault.twilio_error(21610), 400, 21610),
        (Fault.twilio_error(21614), 400, 21614),
        (Fault.twilio_error(20429), 429, 20429),
        (Fault.http_status(500), 500, 20500),
        (Fault.http_status(503), 503, 20503),
    ],
)
async def test_twilio_error_faults_raise_and_send_nothing(
    twilio: Any, provider: FakeProviderServer, fault: Fault, status: int, code: int
) -> None:
    provider.state.inject("twilio", fault)

    with pytest.raises(TwilioRestException) as refused:
        await send_sms(twilio)

    assert (refused.value.status, refused.value.code) == (status, code)
    assert provider.state.calls_to(PHONE) == 0
    assert (await send_sms(twilio)).status == "queued"


async def test_twilio_fault_for_one_recipient_spares_the_others(
    twilio: Any, provider: FakeProviderServer
) -> None:
    provider.state.inject("twilio", Fault.twilio_error(21610), to=PHONE)

    await send_sms(twilio, to=OTHER_PHONE)
    with pytest.raises(TwilioRestException):
        await send_sms(twilio, to=PHONE)

    assert (provider.state.calls_to(OTHER_PHONE), provider.state.calls_to(PHONE)) == (1, 0)


async def test_twilio_dropped_connection_is_a_connection_error(
    twilio: Any, provider: FakeProviderServer
) -> None:
    provider.state.inject("twilio", Fault.drop())
    provider.state.inject("twilio", Fault.drop_after_send(), to=OTHER_PHONE)

    with pytest.raises(aiohttp.ClientConnectionError):
        await send_sms(twilio)
    with pytest.raises(aiohttp.ClientConnectionError):
        await send_sms(twilio, to=OTHER_PHONE)

    assert (provider.state.calls_to(PHONE), provider.state.calls_to(OTHER_PHONE)) == (0, 1)


async def test_twilio_hang_times_out_but_the_message_went_out(
    twilio: Any, provider: FakeProviderServer
) -> None:
    provider.state.inject("twilio", Fault.hang())

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await send_sms(twilio)

    assert provider.state.calls_to(PHONE) == 1
    [call] = provider.state.twilio_calls()
    assert call.fault == "delay"


async def test_twilio_fetch_redact_and_delete(twilio: Any, provider: FakeProviderServer) -> None:
    sent = await send_sms(twilio)

    fetched = await twilio.messages(sent.sid).fetch_async()
    redacted = await twilio.messages(sent.sid).update_async(body="")
    deleted = await twilio.messages(sent.sid).delete_async()
    with pytest.raises(TwilioRestException) as gone:
        await twilio.messages(sent.sid).fetch_async()

    assert (fetched.status, redacted.body, deleted, gone.value.code) == (
        "delivered",
        "",
        True,
        20404,
    )
    methods = [call.method for call in provider.state.twilio_calls()]
    assert methods == ["create", "fetch", "update", "delete", "fetch"]


async def test_twilio_lists_messages_by_recipient_and_date(
    twilio: Any, provider: FakeProviderServer
) -> None:
    first = await send_sms(twilio)
    await twilio.messages.create_async(to="+33698765432", from_=SENDER, body="Autre")
    second = await send_sms(twilio)
    since = datetime.now(UTC) - timedelta(minutes=1)

    mine = await twilio.messages.list_async(to=PHONE, date_sent_after=since)
    future = await twilio.messages.list_async(to=PHONE, date_sent_after=since + timedelta(days=1))

    assert {m.sid for m in mine} == {first.sid, second.sid}
    assert all(m.to == PHONE for m in mine)
    assert future == []
    assert [call.method for call in provider.state.twilio_calls("list")] == ["list", "list"]


async def test_random_faults_are_reproducible(twilio: Any, provider: FakeProviderServer) -> None:
    async def outcomes() -> list[int]:
        provider.state.reset()
        odds = [(0.5, Fault.http_status(503))]
        provider.state.set_random_faults(seed=7, twilio=odds)
        results = []
        for _ in range(12):
            try:
                await send_sms(twilio)
                results.append(201)
            except TwilioRestException as refused:
                results.append(refused.status)
        return results

    first, second = await outcomes(), await outcomes()

    assert first == second
    assert set(first) == {201, 503}
    assert provider.state.calls_to(PHONE) == first.count(201)


async def test_latency_delays_every_answer(twilio: Any, provider: FakeProviderServer) -> None:
    provider.state.set_latency(1.0)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await send_sms(twilio, to="+33611111111")
    # The provider still completes the call the client gave up on; let it land in this test
    # rather than in whichever test runs a second later.
    await eventually(lambda: provider.state.calls_to("+33611111111") == 1)


# Twilio status callbacks


async def test_status_callbacks_are_signed_and_in_order(
    twilio: Any, provider: FakeProviderServer, receiver: Receiver
) -> None:
    provider.state.set_status_callbacks()

    message = await send_sms(twilio, status_callback=receiver.url)
    await eventually(lambda: len(receiver.received) == 2)

    assert receiver.statuses() == ["sent", "delivered"]
    validator = RequestValidator(DEFAULT_TWILIO_TOKEN)
    for url, params, signature in receiver.received:
        assert params["MessageSid"] == message.sid
        assert validator.validate(url, params, signature)


async def test_status_callbacks_can_arrive_reversed_with_the_failure(
    twilio: Any, provider: FakeProviderServer, receiver: Receiver
) -> None:
    provider.state.set_status_callbacks(order="reversed")
    provider.state.inject("twilio", Fault.undelivered(30003))

    await send_sms(twilio, status_callback=receiver.url)
    await eventually(lambda: len(receiver.received) == 2)

    assert receiver.statuses() == ["undelivered", "sent"]
    assert receiver.received[0][1]["ErrorCode"] == "30003"
    assert "ErrorCode" not in receiver.received[1][1]


async def test_status_callbacks_can_be_lost(
    twilio: Any, provider: FakeProviderServer, receiver: Receiver
) -> None:
    provider.state.set_status_callbacks(StatusCallbackSettings(enabled=True, drop_rate=1.0))

    await send_sms(twilio, status_callback=receiver.url)
    await eventually(lambda: len(provider.state.status_callbacks()) == 2)

    assert receiver.received == []
    assert all(callback.dropped for callback in provider.state.status_callbacks())


# Telegram


async def test_telegram_bot_sends_messages_with_a_keyboard(
    bot: Bot, provider: FakeProviderServer
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="yes")]])

    first = await bot.send_message(chat_id=CHAT, text="Bonjour", reply_markup=keyboard)
    second = await bot.send_message(chat_id=CHAT, text="Encore")

    assert bot.username == "lien_123456789_bot"
    assert (first.message_id, second.message_id) == (1, 2)
    assert (first.chat.id, first.chat.type, first.text) == (CHAT, "private", "Bonjour")
    assert first.reply_markup == keyboard
    assert first.from_user is not None and first.from_user.id == bot.id
    sent = provider.state.telegram_calls("sendMessage")[0].params
    assert sent["reply_markup"] == keyboard.to_dict()
    assert provider.state.calls_to(CHAT) == 2


async def test_telegram_refuses_an_unknown_token(provider: FakeProviderServer) -> None:
    stranger = Bot("999:unknown", base_url=f"{provider.telegram_api_url}/bot")

    with pytest.raises(InvalidToken):
        await stranger.get_me()


async def test_telegram_edits_and_refuses_no_change(bot: Bot) -> None:
    sent = await bot.send_message(chat_id=CHAT, text="Bonjour")

    edited = await bot.edit_message_text("Bonsoir", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Bonsoir", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=99)

    assert isinstance(edited, Message) and edited.text == "Bonsoir"


async def test_telegram_webhook_settings(bot: Bot) -> None:
    await bot.set_webhook("https://lien.example/telegram", secret_token="s3cret_token")
    with pytest.raises(BadRequest, match="unallowed characters"):
        await bot.set_webhook("https://lien.example/telegram", secret_token="not/allowed")
    info = await bot.get_webhook_info()
    await bot.delete_webhook()

    assert info.url == "https://lien.example/telegram"
    assert (await bot.get_webhook_info()).url == ""


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_telegram_flood_control_and_blocked_bot(
    bot: Bot, provider: FakeProviderServer
) -> None:
    provider.state.inject("telegram", Fault.telegram_retry_after(7))
    provider.state.inject("telegram", Fault.telegram_blocked())

    with pytest.raises(RetryAfter) as flooded:
        await bot.send_message(chat_id=CHAT, text="Bonjour")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(chat_id=CHAT, text="Bonjour")

    assert flooded.value.retry_after in (7, timedelta(seconds=7))
    assert provider.state.calls_to(CHAT) == 0


async def test_telegram_drop_and_hang(bot: Bot, provider: FakeProviderServer) -> None:
    provider.state.inject("telegram", Fault.drop())
    provider.state.inject("telegram", Fault.hang())

    with pytest.raises(NetworkError):
        await bot.send_message(chat_id=CHAT, text="Bonjour")
    with pytest.raises(TimedOut):
        await bot.send_message(chat_id=CHAT, text="Bonjour", read_timeout=0.2)

    assert provider.state.calls_to(CHAT) == 1


# Control from another process


async def test_remote_control_steers_the_server(twilio: Any, provider: FakeProviderServer) -> None:
    with RemoteFakeProvider(provider.url) as remote:
        await asyncio.to_thread(remote.inject, "twilio", Fault.twilio_error(21614), to=PHONE)
        with pytest.raises(TwilioRestException) as refused:
            await send_sms(twilio)
        await send_sms(twilio, to=OTHER_PHONE)
        calls = await asyncio.to_thread(remote.calls, service="twilio")
        count = await asyncio.to_thread(remote.calls_to, OTHER_PHONE)
        await asyncio.to_thread(remote.reset)

    assert refused.value.code == 21614
    assert [(call["recipient"], call["status"]) for call in calls] == [
        (PHONE, 400),
        (OTHER_PHONE, 201),
    ]
    assert count == 1
    assert provider.state.calls() == []


async def test_media_are_served_with_credentials_and_faults(provider: FakeProviderServer) -> None:
    with RemoteFakeProvider(provider.url) as remote:
        url = await asyncio.to_thread(remote.twilio_media, b"%PDF-1.4 lettre", "application/pdf")
        file_id = await asyncio.to_thread(remote.telegram_file, b"OggS voix", "audio/ogg")
    provider.state.inject("twilio", Fault.http_status(503), method="media")
    auth = (DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN)
    api = provider.telegram_api_url
    bot = Bot(DEFAULT_TELEGRAM_TOKEN, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")
    async with httpx.AsyncClient() as client, bot:
        unsigned = await client.get(url)
        failed = await client.get(url, auth=auth)
        served = await client.get(url, auth=auth)
        found = await bot.get_file(file_id)
        assert found.file_path is not None
        voice = await client.get(found.file_path)
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await bot.get_file("unknown")
    assert (unsigned.status_code, failed.status_code, served.status_code) == (401, 503, 200)
    assert (served.content, served.headers["content-type"]) == (
        b"%PDF-1.4 lettre",
        "application/pdf",
    )
    assert (found.file_size, voice.content) == (9, b"OggS voix")


def test_module_runs_as_its_own_process() -> None:
    command = [sys.executable, "-m", "fakeprovider", "--port", "0", "--telegram-token", "1:a"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        with RemoteFakeProvider(url) as remote:
            remote.wait_ready()
            remote.inject("telegram", Fault.telegram_blocked(), method="getMe")
            refused = httpx.get(f"{url}/bot1:a/getMe")
            accepted = httpx.get(f"{url}/bot1:a/getMe")
            calls = remote.calls(service="telegram")
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert (refused.status_code, accepted.json()["result"]["id"]) == (403, 1)
    assert [call["method"] for call in calls] == ["getMe", "getMe"]
