"""The /_fake/ endpoints that let another process watch and steer the fake provider."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakeprovider.faults import Fault
from fakeprovider.state import FakeProviderState, StatusCallbackSettings
from fakeprovider.twilio_api import media_path

Endpoint = Callable[[Request], Awaitable[Response]]


def control_routes(state: FakeProviderState) -> list[Route]:
    """Return the routes under /_fake/."""
    control = _Control(state)
    return [
        Route("/_fake/health", control.health, methods=["GET"]),
        Route("/_fake/calls", control.calls, methods=["GET"]),
        Route("/_fake/messages", control.messages, methods=["GET"]),
        Route("/_fake/count", control.count, methods=["GET"]),
        Route("/_fake/callbacks", control.callbacks, methods=["GET"]),
        Route("/_fake/faults", _json_in(control.inject), methods=["POST"]),
        Route("/_fake/faults/random", _json_in(control.random_faults), methods=["POST"]),
        Route("/_fake/faults/clear", _json_in(control.clear_faults), methods=["POST"]),
        Route("/_fake/latency", _json_in(control.latency), methods=["POST"]),
        Route("/_fake/callbacks", _json_in(control.configure_callbacks), methods=["POST"]),
        Route("/_fake/reset", _json_in(control.reset), methods=["POST"]),
        Route("/_fake/media", control.add_media, methods=["POST"]),
    ]


def _json_in(handle: Callable[[dict[str, Any]], None]) -> Endpoint:
    """Wrap a command taking a JSON object: 204 when done, 400 with the reason otherwise."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        try:
            data = json.loads(body) if body else {}
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            handle(data)
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(status_code=204)

    return endpoint


def _odds(entries: list[dict[str, Any]]) -> list[tuple[float, Fault]]:
    return [(float(entry["probability"]), Fault.from_dict(entry["fault"])) for entry in entries]


class _Control:
    def __init__(self, state: FakeProviderState) -> None:
        self.state = state

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def calls(self, request: Request) -> Response:
        query = request.query_params
        calls = self.state.calls(service=query.get("service"), method=query.get("method"))
        return JSONResponse({"calls": [call.to_dict() for call in calls]})

    async def messages(self, request: Request) -> Response:
        twilio, telegram = self.state.twilio_messages(), self.state.telegram_messages()
        return JSONResponse({"twilio": twilio, "telegram": telegram})

    async def count(self, request: Request) -> Response:
        address = request.query_params.get("address", "")
        return JSONResponse({"address": address, "count": self.state.calls_to(address)})

    async def callbacks(self, request: Request) -> Response:
        sent = [callback.to_dict() for callback in self.state.status_callbacks()]
        return JSONResponse({"callbacks": sent})

    async def add_media(self, request: Request) -> Response:
        """Keep the body as a file a person sent; answer its id and its Twilio media path."""
        content_type = request.headers.get("content-type", "application/octet-stream")
        media_id = self.state.add_media(await request.body(), content_type)
        path = media_path(self.state.twilio_account_sid, media_id)
        return JSONResponse({"id": media_id, "twilio_path": path}, status_code=201)

    def inject(self, data: dict[str, Any]) -> None:
        service = data["service"]
        if service not in ("twilio", "telegram"):
            raise ValueError(f"unknown service: {service!r}")
        fault = Fault.from_dict(data["fault"])
        times = int(data.get("times", 1))
        self.state.inject(service, fault, to=data.get("to"), method=data.get("method"), times=times)

    def random_faults(self, data: dict[str, Any]) -> None:
        twilio, telegram = _odds(data.get("twilio", [])), _odds(data.get("telegram", []))
        self.state.set_random_faults(
            seed=int(data.get("seed", 0)), twilio=twilio, telegram=telegram
        )

    def clear_faults(self, data: dict[str, Any]) -> None:
        self.state.clear_faults()

    def latency(self, data: dict[str, Any]) -> None:
        self.state.set_latency(float(data["seconds"]))

    def configure_callbacks(self, data: dict[str, Any]) -> None:
        self.state.set_status_callbacks(StatusCallbackSettings(**{"enabled": True, **data}))

    def reset(self, data: dict[str, Any]) -> None:
        self.state.reset()
