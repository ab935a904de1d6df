"""The fake Twilio API, driven by the real twilio library: messages, faults and status callbacks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from fakeprovider import (
    DEFAULT_TWILIO_SID,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderServer,
    Fault,
    StatusCallbackSettings,
)
from tests.fakeprovider.conftest import (
    OTHER_PHONE,
    PHONE,
    SENDER,
    Receiver,
    eventually,
    send_sms,
    twilio_client,
)


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
