"""The local simulator: a channel with no provider, always on, for demos and training."""

from __future__ import annotations

from gateway.channels.base import OutboundEnvelope, Outcome, SendResult

NAME = "simulator"


class SimulatorChannel:
    name = NAME

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, envelope: OutboundEnvelope) -> SendResult:
        return SendResult(Outcome.DELIVERED, provider_id=f"sim-{envelope.message_id}")
