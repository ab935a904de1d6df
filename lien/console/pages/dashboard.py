"""The first page after signing in: what waits, what happened today, how the channels are."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from bot.tickets import TicketFilter
from db.base import utcnow
from lien.console.inbox_view import dashboard_counts, paused_channels
from lien.console.roles import VolunteerPage
from lien.console.routing import console_router
from lien.console.templating import render
from lien.console.triage_view import open_tickets, queue_lines
from lien.deps import RuntimeDep, SessionDep

router = console_router()
LATEST = 5


def start_of_day(now: datetime, timezone: str) -> datetime:
    """Return local midnight of `now`'s day, in UTC."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


@router.get("/", name="console.dashboard")
async def dashboard(
    request: Request, session: SessionDep, runtime: RuntimeDep, _staff: VolunteerPage
) -> HTMLResponse:
    now = utcnow()
    counts = await dashboard_counts(session, since=start_of_day(now, runtime.settings.timezone))
    # Who waits is who has an open ticket: the triage queue, not the raw inbox.
    counts = replace(counts, waiting=await open_tickets(session))
    context = {
        "counts": counts,
        "latest": (await queue_lines(session, wanted=TicketFilter()))[:LATEST],
        "channels": sorted(runtime.channels),
        "disabled": runtime.disabled,
        "paused": await paused_channels(session, now=now),
    }
    return render(request, "dashboard.html", context, section="dashboard")
