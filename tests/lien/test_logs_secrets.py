"""Secrets and phone numbers stay out of the logs, through real traffic on both channels."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from db.models import ContactPoint
from db.session import SessionMaker
from fakeprovider import (
    DEFAULT_TELEGRAM_TOKEN,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderServer,
    Fault,
)
from lien.logs import StructuredFormatter, configure_logging
from tests.lien.conftest import TELEGRAM_SECRET, App, bearer
from tests.lien.test_telegram import SECRET, update
from tests.lien.test_twilio import post_sms, sms_params

NOISY = ("httpx", "twilio", "telegram", "apscheduler", "aiohttp.access", "alembic")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Lien's own logging set-up, at DEBUG, written to a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in NOISY})
    configure_logging("DEBUG")
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        root.handlers[:], level, levels = saved
        root.setLevel(level)
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)


async def test_no_token_secret_or_phone_number_reaches_the_logs(
    provider_app: App,
    sessionmaker: SessionMaker,
    fake_provider: FakeProviderServer,
    captured: io.StringIO,
) -> None:
    params = sms_params()
    assert await post_sms(provider_app, params) == 200
    assert await post_sms(provider_app, params) == 200  # a retry: logged as a duplicate
    telegram = await provider_app.client.post("/webhooks/telegram", json=update(), headers=SECRET)
    assert telegram.status_code == 200
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
    assert (
        await provider_app.client.post("/webhooks/telegram", json=update(2), headers=wrong)
    ).status_code == 403
    headers = await bearer(sessionmaker, role="admin")
    async with sessionmaker() as session:
        people = (await session.scalars(select(ContactPoint.beneficiary_id))).all()
    for person_id in people:
        sent = await provider_app.client.post(
            f"/api/beneficiaries/{person_id}/messages", json={"text": "Bonjour"}, headers=headers
        )
        assert sent.status_code == 201
    fake_provider.state.inject("twilio", Fault.http_status(500))
    await provider_app.runtime.dispatcher.run_once()
    fake_provider.state.clear_faults()
    await provider_app.runtime.dispatcher.run_once()

    output = captured.getvalue()
    assert "duplicate inbound message ignored" in output  # the logs were really captured
    for secret in (
        DEFAULT_TWILIO_TOKEN,
        DEFAULT_TELEGRAM_TOKEN,
        TELEGRAM_SECRET,
        "fake-telegram-token",
    ):
        assert secret not in output
    assert "612345678" not in output
    assert headers["Authorization"].removeprefix("Bearer ") not in output


def test_the_formatter_hides_configured_secrets_even_inside_errors_and_fields() -> None:
    formatter = StructuredFormatter(secrets=[DEFAULT_TELEGRAM_TOKEN, "tok3n-s3cret"])
    try:
        raise RuntimeError(f"calling https://api.telegram.org/bot{DEFAULT_TELEGRAM_TOKEN}/getMe")
    except RuntimeError:
        record = logging.LogRecord(
            "lien", logging.ERROR, __file__, 1, "failed with %s", ("tok3n-s3cret",), sys.exc_info()
        )
    record.url = f"https://api.telegram.org/bot{DEFAULT_TELEGRAM_TOKEN}/sendMessage"
    line = formatter.format(record)
    assert DEFAULT_TELEGRAM_TOKEN not in line and "fake-telegram-token" not in line
    assert "tok3n-s3cret" not in line and "[secret]" in line


def test_every_configured_secret_is_known_to_the_logs_including_the_database_password() -> None:
    from lien.settings import Settings

    settings = Settings(
        _env_file=None,
        database_url="postgresql+asyncpg://lien:p4ssw0rd-db@db.local/lien",
        secret_key="app-secret-value",
        twilio_auth_token="twilio-token-value",
        telegram_bot_token="1:bot-token-value",
        telegram_webhook_secret="webhook-secret-value",
        message_key=None,
    )
    assert set(settings.secrets()) == {
        "p4ssw0rd-db",
        "app-secret-value",
        "twilio-token-value",
        "1:bot-token-value",
        "webhook-secret-value",
    }
