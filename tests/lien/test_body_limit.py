"""Bodies are bounded per route before authentication reads them, and cut off when they stall."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from lien.body_limit import MIB, BodyLimit, limit_for
from tests.lien.conftest import App


async def _upload(size: int, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A multipart file field that goes on for `size` bytes."""
    yield (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="usagers.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    for _ in range(size // chunk):
        yield b"x" * chunk


def test_each_route_has_its_limit() -> None:
    assert limit_for("/api/imports/beneficiaries") == 20 * MIB
    assert limit_for("/api/beneficiaries") == MIB
    assert limit_for("/login") < MIB
    # A reply can carry a file: its route takes more, the attachment setting bounds the file.
    assert limit_for("/api/tickets/12/replies/file") == limit_for("/triage/12/reply") == 20 * MIB
    assert limit_for("/api/tickets/12/replies") == limit_for("/triage/12/notes") == MIB


async def test_an_anonymous_huge_body_is_refused_before_the_401(lien_app: App) -> None:
    declared = await lien_app.client.post(
        "/api/beneficiaries",
        content=b"{}",
        headers={"content-length": str(300 * MIB), "content-type": "application/json"},
    )
    assert declared.status_code == 413 and "trop grand" in declared.json()["detail"]
    streamed = await lien_app.client.post(
        "/api/imports/beneficiaries",
        content=_upload(21 * MIB),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert streamed.status_code == 413, streamed.text
    small = await lien_app.client.post("/api/beneficiaries", json={})
    assert small.status_code == 401


async def test_a_body_that_stops_arriving_is_cut_off() -> None:
    reached: list[object] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        message = await receive()  # type: ignore[operator]
        reached.append(message["type"])

    async def stalled() -> dict[str, object]:
        await asyncio.sleep(10)
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    limit = BodyLimit(app, timeout_seconds=0.05)  # type: ignore[arg-type]
    scope = {"type": "http", "path": "/api/beneficiaries", "headers": []}
    await limit(scope, stalled, send)  # type: ignore[arg-type]
    assert reached == ["http.disconnect"] and sent[0]["status"] == 408


async def test_a_body_within_its_limit_goes_through(lien_app: App) -> None:
    page = await lien_app.client.post("/language", content=b"x" * 1000)
    assert page.status_code in (303, 403)  # reached the console (CSRF), not refused for size
    assert isinstance(page, httpx.Response)
