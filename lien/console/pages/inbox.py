"""Messages no automation took, newest first; the list refreshes itself every few seconds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.outbox import CHANNEL_PREFERENCE
from lien.console.inbox_view import inbox_lines
from lien.console.live import version
from lien.console.roles import VolunteerPage
from lien.console.routing import console_router
from lien.console.templating import render, render_polled
from lien.deps import SessionDep

router = console_router()

ChannelFilter = Annotated[str | None, Query(max_length=16)]
WaitingFilter = Annotated[bool, Query()]


async def _context(session: SessionDep, channel: str | None, waiting: bool) -> dict[str, object]:
    picked = channel if channel in CHANNEL_PREFERENCE else None
    lines = await inbox_lines(session, channel=picked, waiting_only=waiting)
    return {
        "lines": lines,
        "version": version(f"{line.message.id}:{line.waiting}" for line in lines),
        "filters": {"channel": picked or "", "waiting": waiting},
        "channels": CHANNEL_PREFERENCE,
    }


@router.get("/inbox", name="console.inbox")
async def inbox(
    request: Request,
    session: SessionDep,
    _staff: VolunteerPage,
    channel: ChannelFilter = None,
    waiting: WaitingFilter = False,
) -> HTMLResponse:
    context = await _context(session, channel, waiting)
    return render(request, "inbox.html", context, section="inbox")


@router.get("/inbox/rows", name="console.inbox_rows")
async def inbox_rows(
    request: Request,
    session: SessionDep,
    _staff: VolunteerPage,
    channel: ChannelFilter = None,
    waiting: WaitingFilter = False,
) -> Response:
    context = await _context(session, channel, waiting)
    return render_polled(request, "_inbox_rows.html", context, section="inbox")
