"""Malformed webhooks, signed or not: never a 5xx, never a stored row lost or changed wrongly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from db.models import Message
from db.session import SessionMaker
from fakeprovider import DEFAULT_TWILIO_TOKEN
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from tests.factories import create_person
from tests.lien.conftest import PUBLIC_URL, TELEGRAM_SECRET, App
from tests.lien.fuzzing import (
    FUZZ,
    Tally,
    consistency,
    content_type,
    digits,
    french_mobile,
    json_values,
    moved_backwards,
    raw_bytes,
    short_text,
    sid,
    snapshot,
    text,
    unchanged,
)

TWILIO_FIELDS = ["MessageSid", "AccountSid", "From", "To", "Body", "NumMedia", "SmsStatus"]
TWILIO_STATUSES = ["queued", "sending", "sent", "delivered", "undelivered", "failed", "read"]


@dataclass
class Fuzzed:
    """The app under fuzz, what it accepted, and the rows it must leave alone."""

    app: App
    sessionmaker: SessionMaker
    tally: Tally = field(default_factory=Tally)
    sids: set[str] = field(default_factory=set)
    updates: set[str] = field(default_factory=set)
    before: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
async def fuzzed(
    provider_app: App, sessionmaker: SessionMaker, request: pytest.FixtureRequest
) -> AsyncIterator[Fuzzed]:
    async with sessionmaker() as session, session.begin():
        person = await create_person(session, phone="+33612345678", telegram="4242")
        for text_ in ("Rappel : atelier demain", "Alerte"):
            spec = OutgoingMessage(beneficiary_id=person.id, text=text_, origin=Origin("t"))
            await queue_message(session, spec)
    box = Fuzzed(provider_app, sessionmaker)
    box.before = await snapshot(sessionmaker)
    yield box
    after = await snapshot(sessionmaker)
    checks = await consistency(sessionmaker)
    for rows in ("people", "contacts", "messages"):
        checks[f"pre_existing_{rows}_changed"] = int(not unchanged(box.before[rows], after[rows]))
    checks["statuses_moved_backwards"] = len(moved_backwards(box.before["states"], after["states"]))
    checks["accepted_but_not_stored"] = await _missing(box)
    box.tally.write(request.node.name, checks)
    assert box.tally.server_errors == []
    assert all(value == 0 for value in checks.values()), checks


async def _missing(box: Fuzzed) -> int:
    """Accepted inbound messages not stored exactly once, and rows nobody sent."""
    async with box.sessionmaker() as session:
        rows = await session.execute(
            select(Message.channel, Message.provider_id).where(Message.direction == "in")
        )
        stored: dict[str, list[str]] = {"sms": [], "telegram": []}
        for channel, provider_id in rows.all():
            stored.setdefault(channel, []).append(str(provider_id))
    wrong = len(box.sids ^ set(stored["sms"])) + len(stored["sms"]) - len(set(stored["sms"]))
    return wrong + len(box.updates ^ set(stored["telegram"]))


def _sign(url: str, params: dict[str, str]) -> str:
    return str(RequestValidator(DEFAULT_TWILIO_TOKEN).compute_signature(url, params))


well_formed_sms = st.fixed_dictionaries(
    {"MessageSid": sid, "From": french_mobile, "Body": text, "To": st.just("+33700000000")}
)
garbage_form = st.dictionaries(
    st.sampled_from(TWILIO_FIELDS) | text, text | digits | french_mobile, max_size=8
)


@FUZZ
@example(  # once answered 500: a NUL in the text of a signed SMS
    params={"MessageSid": "SM" + "0" * 32, "From": "+33612345679", "Body": "\x00"},
    signed=True,
    raw=None,
    kind="application/x-www-form-urlencoded",
)
@given(
    params=well_formed_sms | garbage_form,
    signed=st.booleans(),
    raw=st.none() | raw_bytes,
    kind=content_type,
)
async def test_twilio_inbound_survives_any_form(
    fuzzed: Fuzzed, params: dict[str, str], signed: bool, raw: bytes | None, kind: str
) -> None:
    body = raw if raw is not None else urlencode(params).encode()
    parsed = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    url = f"{PUBLIC_URL}/webhooks/twilio"
    headers = {"Content-Type": kind, "X-Twilio-Signature": _sign(url, parsed) if signed else "x"}
    response = await fuzzed.app.client.post("/webhooks/twilio", content=body, headers=headers)
    fuzzed.tally.record("twilio", response.status_code, params)
    if response.status_code == 200:
        fuzzed.sids.add(parsed["MessageSid"])


@FUZZ
@example(ref="2147483648", reported="delivered", extra={}, signed=True)  # once a 500
@example(
    ref="1", reported="failed", extra={"ErrorCode": "3" * 40, "MessageSid": "S" * 70}, signed=True
)
@given(
    ref=st.integers(min_value=-3, max_value=12).map(str) | digits | short_text,
    reported=st.sampled_from(TWILIO_STATUSES) | text,
    extra=st.dictionaries(
        st.sampled_from(["ErrorCode", "MessageSid", "SmsStatus"]), text | sid | digits
    ),
    signed=st.booleans(),
)
async def test_twilio_status_callbacks_survive_anything(
    fuzzed: Fuzzed, ref: str, reported: str, extra: dict[str, str], signed: bool
) -> None:
    query = urlencode({"m": ref})
    params = {"MessageStatus": reported, "AccountSid": "AC" + "0" * 32, **extra}
    url = f"{PUBLIC_URL}/webhooks/twilio/status?{query}"
    headers = {"X-Twilio-Signature": _sign(url, params) if signed else "x"}
    response = await fuzzed.app.client.post(
        f"/webhooks/twilio/status?{query}", data=params, headers=headers
    )
    fuzzed.tally.record("twilio-status", response.status_code, (ref, params))


big_id = st.integers(min_value=-(10**80), max_value=10**80)
telegram_user = st.fixed_dictionaries(
    {"id": big_id, "is_bot": st.booleans(), "first_name": text},
    optional={"language_code": text, "last_name": text},
)
well_formed_update = st.builds(
    lambda update_id, message_text, chat, user: {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "text": message_text,
            "from": user,
            "chat": {"id": chat, "type": "private"},
        },
    },
    st.integers(min_value=1, max_value=2**31) | big_id,
    text,
    big_id | st.integers(min_value=1, max_value=10**12),
    telegram_user,
)
update_like = st.dictionaries(
    st.sampled_from(["update_id", "message", "callback_query", "edited_message"]) | text,
    json_values,
    max_size=5,
)


@FUZZ
@example(  # once answered 503: a NUL in the language code of a new sender
    payload={
        "update_id": 7,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "text": "Bonjour",
            "from": {"id": 77, "is_bot": False, "first_name": "A", "language_code": "\x00"},
            "chat": {"id": 77, "type": "private"},
        },
    },
    raw=None,
    secret=TELEGRAM_SECRET,
    kind="application/json",
)
@given(
    payload=well_formed_update | update_like | json_values,
    raw=st.none() | raw_bytes,
    secret=st.sampled_from([TELEGRAM_SECRET, TELEGRAM_SECRET, "wrong", ""]),
    kind=content_type,
)
async def test_telegram_webhook_survives_any_body(
    fuzzed: Fuzzed, payload: Any, raw: bytes | None, secret: str, kind: str
) -> None:
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"Content-Type": kind}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    response = await fuzzed.app.client.post("/webhooks/telegram", content=body, headers=headers)
    fuzzed.tally.record("telegram", response.status_code, payload)
    message = payload.get("message") if isinstance(payload, dict) else None
    readable = isinstance(message, dict) and isinstance(message.get("text"), str)
    if response.status_code == 200 and raw is None and readable:
        fuzzed.updates.add(str(payload["update_id"]))
