"""The fake provider steered from another process: its control API, served files, own process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest
from twilio.base.exceptions import TwilioRestException

from fakeprovider import (
    DEFAULT_TELEGRAM_TOKEN,
    DEFAULT_TWILIO_SID,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderServer,
    Fault,
    RemoteFakeProvider,
)
from tests.fakeprovider.conftest import OTHER_PHONE, PHONE, send_sms


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
