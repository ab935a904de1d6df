"""The path every fake API call takes: read, apply latency and faults, record, answer."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from fakeprovider.faults import Fault
from fakeprovider.state import FakeProviderState, RecordedCall

DROP_FLAG = "fakeprovider.drop"
DROPPING_KINDS = frozenset({"drop", "drop_after_send"})

Params = dict[str, Any]
# Where read_params leaves the files of a multipart call, by field name, for the API to keep.
UPLOADS = "fakeprovider_uploads"


class NoResponse(Response):
    """Send nothing, so that the server closes the connection (see `app.ConnectionDropper`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Leave the response unstarted."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One API call being answered."""

    state: FakeProviderState
    request: Request
    service: str
    method: str
    params: Params
    recipient: str | None

    def record(self, status: int | None, fault: Fault | None = None) -> None:
        """Remember this call with the status it gets."""
        call = RecordedCall(
            service=self.service,
            method=self.method,
            path=self.request.url.path,
            params=self.params,
            status=status,
            at=time.time(),
            recipient=self.recipient,
            fault=None if fault is None else fault.kind,
        )
        self.state.record(call)


async def read_params(request: Request) -> Params:
    """Return query and body parameters, whether the body is a form or JSON."""
    params: Params = dict(request.query_params) if request.scope["query_string"] else {}
    body = await request.body()
    if not body:
        return params
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        decoded = json.loads(body)
        if isinstance(decoded, dict):
            params.update(decoded)
    elif content_type.startswith("multipart/form-data"):
        form = await request.form()
        params.update((key, value) for key, value in form.items() if isinstance(value, str))
        uploads: dict[str, tuple[bytes, str]] = {}
        for key, value in form.items():
            if isinstance(value, UploadFile):
                content = await value.read()
                uploads[key] = (content, value.content_type or "application/octet-stream")
                # What a call record can show of a file: JSON, not the bytes.
                params[key] = {
                    "filename": value.filename,
                    "content_type": value.content_type,
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                }
        setattr(request.state, UPLOADS, uploads)
    else:
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    return params


async def answer(
    exchange: Exchange,
    fault: Fault | None,
    *,
    perform: Callable[[Fault | None], Response],
    refuse: Callable[[Fault], Response],
) -> Response:
    """Answer a call normally or with its fault, after the global latency.

    The call is carried out even if its client gave up meanwhile, as a real provider would.
    """
    latency = exchange.state.latency
    if latency > 0:
        await asyncio.sleep(latency)
    if fault is None:
        response = perform(None)
        exchange.record(response.status_code)
        return response
    # The provider acts before the slow or lost answer, so the client cannot tell it happened.
    outcome: Response | None = None
    if fault.creates_message:
        outcome = perform(fault)
    elif fault.kind == "error":
        outcome = refuse(fault)
    dropped = fault.kind in DROPPING_KINDS
    exchange.record(None if dropped or outcome is None else outcome.status_code, fault)
    if fault.seconds > 0:
        await wait_unless_disconnected(exchange.request, fault.seconds)
    if dropped or outcome is None:
        exchange.request.scope[DROP_FLAG] = True
        return NoResponse()
    return outcome


async def wait_unless_disconnected(request: Request, seconds: float) -> None:
    """Wait `seconds`, or less if the client hangs up first."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while (await request.receive())["type"] != "http.disconnect":
                pass
