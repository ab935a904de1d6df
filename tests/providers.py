"""Channel doubles and the fake provider server the real twilio and PTB libraries talk to."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import pytest

from fakeprovider import FakeProviderServer
from gateway.channels.base import OutboundEnvelope, Outcome, SendResult


class ScriptedChannel:
    """A channel whose answers the test scripts; it records every call it gets."""

    def __init__(self, name: str = "sms") -> None:
        self.name = name
        self.calls: list[OutboundEnvelope] = []
        self.script: deque[SendResult] = deque()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, envelope: OutboundEnvelope) -> SendResult:
        self.calls.append(envelope)
        if self.script:
            return self.script.popleft()
        return SendResult(Outcome.SENT, provider_id=f"P{envelope.message_id}")


@pytest.fixture
def scripted_sms() -> ScriptedChannel:
    return ScriptedChannel("sms")


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake_provider(fake_provider_server: FakeProviderServer) -> Iterator[FakeProviderServer]:
    """The fake Twilio and Telegram, emptied of calls and faults before each test."""
    fake_provider_server.state.reset()
    yield fake_provider_server
    fake_provider_server.state.reset()
