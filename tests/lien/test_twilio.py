"""SMS end to end: signed webhooks in, the real twilio library out to the fake provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.request_validator import RequestValidator

from db.models import ContactPoint, Message
from db.session import SessionMaker
from fakeprovider import DEFAULT_TWILIO_TOKEN, FakeProviderServer, Fault
from tests.lien.conftest import (
    PUBLIC_URL,
    App,
    bearer,
    provider_settings,
    started,
    without_domains,
)

INBOUND = f"{PUBLIC_URL}/webhooks/twilio"


@pytest.fixture
async def provider_app(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer
) -> AsyncIterator[App]:
    """The gateway without domains: every call the fake provider records is this test's own."""
    settings = provider_settings(database_url, fake_provider)
    async for app in started(settings, wiring=without_domains):
        yield app


def signed(url: str, params: dict[str, str]) -> dict[str, str]:
    signature = RequestValidator(DEFAULT_TWILIO_TOKEN).compute_signature(url, params)
    return {"X-Twilio-Signature": signature}


def sms_params(body: str = "Bonjour", sid: str = "SM" + "a" * 32, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+33612345678",
        "To": "+33700000000",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        **extra,
    }


async def post_sms(app: App, params: dict[str, str], headers: dict[str, str] | None = None) -> int:
    response = await app.client.post(
        "/webhooks/twilio",
        data=params,
        headers=headers if headers is not None else signed(INBOUND, params),
    )
    return response.status_code


async def count(sessionmaker: SessionMaker, direction: str = "in") -> int:
    async with sessionmaker() as session:
        total = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == direction)
        )
        return int(total or 0)


async def test_a_signed_sms_is_stored_and_answered_with_empty_twiml(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    params = sms_params(Unknown_Future_Field="Twilio adds fields")
    response = await provider_app.client.post(
        "/webhooks/twilio", data=params, headers=signed(INBOUND, params)
    )
    assert response.status_code == 200
    assert response.text.endswith("<Response/>")
    assert await count(sessionmaker) == 1


async def test_forged_or_missing_signatures_are_refused_and_nothing_is_stored(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    params = sms_params()
    assert await post_sms(provider_app, params, headers={}) == 403
    assert await post_sms(provider_app, params, headers={"X-Twilio-Signature": "Zm9yZ2Vk"}) == 403
    tampered = {**params, "Body": "autre texte"}
    assert await post_sms(provider_app, tampered, headers=signed(INBOUND, params)) == 403
    wrong_url = signed("http://127.0.0.1:8000/webhooks/twilio", params)
    assert await post_sms(provider_app, params, headers=wrong_url) == 403
    assert await count(sessionmaker) == 0


async def test_a_retried_webhook_is_processed_once(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    params = sms_params()
    assert [await post_sms(provider_app, params) for _ in range(3)] == [200, 200, 200]
    assert await count(sessionmaker) == 1


async def test_malformed_webhooks_get_a_4xx_with_a_reason(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    client = provider_app.client
    missing = {"MessageSid": "SM1", "From": "+33612345678"}
    response = await client.post("/webhooks/twilio", data=missing, headers=signed(INBOUND, missing))
    assert response.status_code == 400 and "Body" in response.json()["detail"]
    bad_phone = sms_params(From="not-a-number")
    response = await client.post(
        "/webhooks/twilio", data=bad_phone, headers=signed(INBOUND, bad_phone)
    )
    assert response.status_code == 400
    huge = sms_params(body="x" * 10_000)
    response = await client.post("/webhooks/twilio", data=huge, headers=signed(INBOUND, huge))
    assert response.status_code == 413
    raw = urlencode(sms_params()).encode() + b"&Body=%FF%FE"
    response = await client.post(
        "/webhooks/twilio",
        content=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    )
    assert response.status_code in (400, 403)
    garbage = b"\xff\xfe\x00binary"
    response = await client.post(
        "/webhooks/twilio",
        content=garbage,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    )
    assert response.status_code == 400 and "illisible" in response.json()["detail"]
    assert await count(sessionmaker) == 0


async def staff_reply(app: App, sessionmaker: SessionMaker, text: str = "Bonjour !") -> int:
    headers = await bearer(sessionmaker)
    params = sms_params()
    assert await post_sms(app, params) == 200
    async with sessionmaker() as session:
        person_id = await session.scalar(select(ContactPoint.beneficiary_id))
    response = await app.client.post(
        f"/api/beneficiaries/{person_id}/messages", json={"text": text}, headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def message(sessionmaker: SessionMaker, message_id: int) -> Message:
    async with sessionmaker() as session:
        return await session.get_one(Message, message_id)


async def test_a_staff_reply_goes_out_through_twilio_with_a_status_callback(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    message_id = await staff_reply(provider_app, sessionmaker)
    await provider_app.runtime.dispatcher.run_once()
    (created,) = fake_provider.state.twilio_messages()
    assert (created["to"], created["body"], created["from"]) == (
        "+33612345678",
        "Bonjour !",
        "+33700000000",
    )
    sent = await message(sessionmaker, message_id)
    assert sent.status == "sent" and sent.provider_id == created["sid"]
    (call,) = fake_provider.state.twilio_calls("create")
    assert call.params["StatusCallback"] == f"{PUBLIC_URL}/webhooks/twilio/status?m={message_id}"


async def post_status(
    app: App, message_id: int, status: str, *, sid: str | None = None, **extra: str
) -> int:
    """Post a signed report, about the provider id stored for the message unless told."""
    if sid is None:
        async with app.runtime.sessionmaker() as session:
            stored = await session.get_one(Message, message_id)
        sid = stored.provider_id or "SM" + "b" * 32
    url = f"{PUBLIC_URL}/webhooks/twilio/status?m={message_id}"
    params = {
        "MessageSid": sid,
        "MessageStatus": status,
        "AccountSid": "AC" + "0" * 32,
        **extra,
    }
    response = await app.client.post(
        f"/webhooks/twilio/status?m={message_id}", data=params, headers=signed(url, params)
    )
    return response.status_code


async def test_status_callbacks_never_move_a_message_backwards(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    message_id = await staff_reply(provider_app, sessionmaker)
    await provider_app.runtime.dispatcher.run_once()
    assert await post_status(provider_app, message_id, "delivered") == 204
    assert await post_status(provider_app, message_id, "sent") == 204
    assert await post_status(provider_app, message_id, "queued") == 204
    stored = await message(sessionmaker, message_id)
    assert stored.status == "delivered" and stored.delivered_at is not None


async def test_a_status_callback_with_21610_records_an_opt_out(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    message_id = await staff_reply(provider_app, sessionmaker)
    await provider_app.runtime.dispatcher.run_once()
    assert await post_status(provider_app, message_id, "failed", ErrorCode="21610") == 204
    async with sessionmaker() as session:
        assert (await session.scalars(select(ContactPoint.opted_out))).all() == [True]
    assert (await message(sessionmaker, message_id)).status == "failed"


async def test_a_signed_report_moves_only_the_message_sent_with_that_id(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    message_id = await staff_reply(provider_app, sessionmaker)
    forged = "SM" + "f" * 32
    assert await post_status(provider_app, message_id, "delivered", sid=forged) == 204
    never_sent = await message(sessionmaker, message_id)
    assert (never_sent.status, never_sent.provider_id) == ("queued", None)
    await provider_app.runtime.dispatcher.run_once()
    assert await post_status(provider_app, message_id, "delivered", sid=forged) == 204
    sent = await message(sessionmaker, message_id)
    assert sent.status == "sent" and sent.provider_id not in (None, forged)


async def test_status_callbacks_are_verified_too(provider_app: App) -> None:
    response = await provider_app.client.post(
        "/webhooks/twilio/status?m=1", data={"MessageStatus": "delivered"}
    )
    assert response.status_code == 403
    url = f"{PUBLIC_URL}/webhooks/twilio/status"
    params = {"MessageStatus": "delivered"}
    response = await provider_app.client.post(
        "/webhooks/twilio/status", data=params, headers=signed(url, params)
    )
    assert response.status_code == 400 and "m" in response.json()["detail"]


async def test_provider_errors_retry_fail_or_opt_out(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    message_id = await staff_reply(provider_app, sessionmaker)
    fake_provider.state.inject("twilio", Fault.http_status(503))
    await provider_app.runtime.dispatcher.run_once()
    retried = await message(sessionmaker, message_id)
    assert (retried.status, retried.error_code) == ("queued", "20503")
    fake_provider.state.inject("twilio", Fault.twilio_error(21610))
    async with sessionmaker() as session, session.begin():
        stored = await session.get_one(Message, message_id)
        stored.not_before = None
    await provider_app.runtime.dispatcher.run_once()
    failed = await message(sessionmaker, message_id)
    assert (failed.status, failed.error_code) == ("failed", "21610")
    async with sessionmaker() as session:
        assert (await session.scalars(select(ContactPoint.opted_out))).all() == [True]
    assert fake_provider.state.calls_to("+33612345678") == 0


async def test_a_timeout_is_marked_unknown_and_never_called_again(
    provider_app: App, sessionmaker: SessionMaker, fake_provider: FakeProviderServer
) -> None:
    message_id = await staff_reply(provider_app, sessionmaker)
    fake_provider.state.inject("twilio", Fault.delay(2.0))
    await provider_app.runtime.dispatcher.run_once()
    assert (await message(sessionmaker, message_id)).status == "unknown"
    await provider_app.runtime.dispatcher.run_once()
    assert fake_provider.state.calls_to("+33612345678") == 1
    # The provider did send it: its status report reconciles the message.
    assert await post_status(provider_app, message_id, "delivered") == 204
    assert (await message(sessionmaker, message_id)).status == "delivered"
