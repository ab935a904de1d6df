"""Files sent with an MMS or a Telegram message become pending attachments of the message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.request_validator import RequestValidator

from db.models import Attachment, Beneficiary, InboundArrival, Message
from db.session import SessionMaker
from fakeprovider import DEFAULT_TWILIO_TOKEN, FakeProviderServer
from gateway.channels.twilio import parse_inbound
from gateway.inbound import InboundContext
from lien.runtime import Runtime
from tests.lien.conftest import PUBLIC_URL, TELEGRAM_SECRET, App, provider_settings, started

INBOUND = f"{PUBLIC_URL}/webhooks/twilio"
TELEGRAM = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC00/Messages/MM01/Media/ME0"


class Routed:
    """A handler that takes every message and keeps the text it was given."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def __call__(self, ctx: InboundContext) -> bool:
        self.texts.append(ctx.text)
        return True


@pytest.fixture
def routed() -> Routed:
    return Routed()


@pytest.fixture
async def provider_app(
    engine: AsyncEngine, database_url: str, fake_provider: FakeProviderServer, routed: Routed
) -> AsyncIterator[App]:
    def wiring(runtime: Runtime) -> None:
        runtime.router.register("test", routed, order=1)

    async for app in started(provider_settings(database_url, fake_provider), wiring=wiring):
        yield app


def mms(body: str, *media: tuple[str, str], sid: str = "MM" + "a" * 32) -> dict[str, str]:
    params = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+33612345678",
        "To": "+33700000000",
        "Body": body,
        "NumMedia": str(len(media)),
    }
    for n, (url, kind) in enumerate(media):
        params[f"MediaUrl{n}"] = url
        params[f"MediaContentType{n}"] = kind
    return params


async def post_sms(app: App, params: dict[str, str]) -> int:
    signature = RequestValidator(DEFAULT_TWILIO_TOKEN).compute_signature(INBOUND, params)
    response = await app.client.post(
        "/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature}
    )
    return response.status_code


def telegram_update(content: dict[str, Any], update_id: int = 2000) -> dict[str, Any]:
    chat = {"id": 4242, "type": "private", "first_name": "Amanuel"}
    user = {"id": 4242, "is_bot": False, "first_name": "Amanuel"}
    message = {"message_id": update_id, "date": 1_790_000_000, "from": user, "chat": chat}
    return {"update_id": update_id, "message": message | content}


async def post_telegram(app: App, update: dict[str, Any]) -> int:
    response = await app.client.post("/webhooks/telegram", json=update, headers=TELEGRAM)
    return response.status_code


async def stored(sessionmaker: SessionMaker) -> list[tuple[Any, ...]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(
                Message.body,
                Attachment.position,
                Attachment.provider_ref,
                Attachment.declared_type,
                Attachment.status,
            )
            .join(Message, Attachment.message_id == Message.id)
            .order_by(Attachment.message_id, Attachment.position)
        )
        return [tuple(row) for row in rows.all()]


async def test_an_mms_notes_each_file_in_order_with_its_declared_type(
    provider_app: App, sessionmaker: SessionMaker, routed: Routed
) -> None:
    params = mms("Ma convocation", (MEDIA, "image/jpeg"), (MEDIA + "1", "application/pdf"))
    assert await post_sms(provider_app, params) == 200
    assert await stored(sessionmaker) == [
        ("Ma convocation", 0, MEDIA, "image/jpeg", "pending"),
        ("Ma convocation", 1, MEDIA + "1", "application/pdf", "pending"),
    ]
    assert routed.texts == ["Ma convocation"]
    async with sessionmaker() as session:
        attachment = await session.scalar(select(Attachment).limit(1))
        assert attachment is not None
        message = await session.get_one(Message, attachment.message_id)
        person = await session.get_one(Beneficiary, message.beneficiary_id)
        assert attachment.organisation_id == person.organisation_id


async def test_an_mms_without_text_is_still_logged_and_routed(
    provider_app: App, sessionmaker: SessionMaker, routed: Routed
) -> None:
    assert await post_sms(provider_app, mms("", (MEDIA, "audio/amr"))) == 200
    assert await stored(sessionmaker) == [("", 0, MEDIA, "audio/amr", "pending")]
    assert routed.texts == [""]


async def test_a_repeated_mms_notes_its_files_once(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    params = mms("", (MEDIA, "image/png"))
    assert [await post_sms(provider_app, params) for _ in range(3)] == [200] * 3
    assert len(await stored(sessionmaker)) == 1


async def test_an_unreadable_media_count_is_refused(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    params = mms("photo", (MEDIA, "image/jpeg")) | {"NumMedia": "deux"}
    assert await post_sms(provider_app, params) == 400
    missing = mms("photo", (MEDIA, "image/jpeg")) | {"NumMedia": "2"}
    assert await post_sms(provider_app, missing) == 400
    too_long = mms("photo", (MEDIA + "x" * 500, "image/jpeg"))
    assert await post_sms(provider_app, too_long) == 400
    assert await stored(sessionmaker) == []


async def test_the_webhook_only_stores_the_references_with_the_arrival(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    runtime = provider_app.runtime
    inbound_params = mms("", (MEDIA, "image/jpeg"))
    assert await runtime.store(parse_inbound(inbound_params))
    async with sessionmaker() as session:
        arrival = await session.scalar(select(InboundArrival))
        assert arrival is not None and arrival.extra == {"media": [[MEDIA, "image/jpeg"]]}
        assert (await session.scalars(select(Attachment))).all() == []
    await runtime.consumer.drain()
    assert await stored(sessionmaker) == [("", 0, MEDIA, "image/jpeg", "pending")]


def photo_sizes() -> list[dict[str, Any]]:
    return [
        {
            "file_id": f"photo-{w}",
            "file_unique_id": f"u{w}",
            "width": w,
            "height": w,
            "file_size": w,
        }
        for w in (90, 1280, 320)
    ]


async def test_a_telegram_photo_keeps_its_largest_size_and_its_caption_is_the_text(
    provider_app: App, sessionmaker: SessionMaker, routed: Routed
) -> None:
    update = telegram_update({"photo": photo_sizes(), "caption": "Lettre de la préfecture"})
    assert await post_telegram(provider_app, update) == 200
    assert await stored(sessionmaker) == [
        ("Lettre de la préfecture", 0, "photo-1280", "image/jpeg", "pending")
    ]
    assert routed.texts == ["Lettre de la préfecture"]


@pytest.mark.parametrize(
    ("field", "content", "declared"),
    [
        (
            "document",
            {"file_id": "doc-1", "file_unique_id": "d1", "mime_type": "application/pdf"},
            "application/pdf",
        ),
        (
            "voice",
            {"file_id": "voice-1", "file_unique_id": "v1", "duration": 4, "mime_type": "audio/ogg"},
            "audio/ogg",
        ),
        (
            "audio",
            {
                "file_id": "audio-1",
                "file_unique_id": "a1",
                "duration": 60,
                "mime_type": "audio/mp4",
            },
            "audio/mp4",
        ),
        (
            "video_note",
            {"file_id": "round-1", "file_unique_id": "r1", "length": 240, "duration": 5},
            "video/mp4",
        ),
    ],
)
async def test_telegram_files_without_text_are_noted_and_routed(
    provider_app: App,
    sessionmaker: SessionMaker,
    routed: Routed,
    field: str,
    content: dict[str, Any],
    declared: str,
) -> None:
    assert await post_telegram(provider_app, telegram_update({field: content})) == 200
    assert await stored(sessionmaker) == [("", 0, content["file_id"], declared, "pending")]
    assert routed.texts == [""]


async def test_a_telegram_sticker_is_still_ignored(
    provider_app: App, sessionmaker: SessionMaker
) -> None:
    sticker = {
        "file_id": "st-1",
        "file_unique_id": "s1",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    assert await post_telegram(provider_app, telegram_update({"sticker": sticker})) == 200
    async with sessionmaker() as session:
        assert (await session.scalars(select(Message))).all() == []
