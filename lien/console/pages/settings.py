"""Settings for administrators: the channels and their health, and the sending window."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Message, Organisation, StaffMember
from gateway import statuses
from gateway.outbox import CHANNEL_PREFERENCE
from gateway.policy import WINDOW_SETTING, window_from_settings
from gateway.quiet_hours import SendingWindow
from lien.console.audit import record_audit
from lien.console.errors import get_or_404
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.inbox_view import paused_channels
from lien.console.nav import SETTINGS_TABS, links
from lien.console.roles import AdminPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import RuntimeDep, SessionDep

router = console_router()
WEEKDAYS = tuple(str(day) for day in range(7))
BAD_CLOCK = Problem(N_("Heure attendue au format HH:MM (par exemple 08:00)."))


async def _channel_figures(session: AsyncSession) -> dict[str, dict[str, int]]:
    since = utcnow() - timedelta(hours=24)
    rows = await session.execute(
        select(Message.channel, Message.status, func.count())
        .where(Message.direction == "out", Message.created_at >= since)
        .group_by(Message.channel, Message.status)
    )
    figures = {name: {"sent": 0, "failed": 0, "queued": 0} for name in CHANNEL_PREFERENCE}
    for channel, status, count in rows.all():
        entry = figures.setdefault(channel, {"sent": 0, "failed": 0, "queued": 0})
        if status in (statuses.SENT, statuses.DELIVERED, statuses.READ):
            entry["sent"] += count
        elif status in (statuses.FAILED, statuses.UNDELIVERED):
            entry["failed"] += count
        elif status in statuses.PENDING:
            entry["queued"] += count
    return figures


async def _organisation(
    session: AsyncSession, org_id: int | None, staff: StaffMember
) -> Organisation:
    # The session sees the viewer's organisation only: another one's id is not found.
    return await get_or_404(session, Organisation, org_id or staff.organisation_id or 0)


def _window_values(window: SendingWindow) -> dict[str, str]:
    return {
        "timezone": window.timezone,
        "weekdays": ",".join(str(d) for d in sorted(window.weekdays)),
        "start": window.start.strftime("%H:%M"),
        "end": window.end.strftime("%H:%M"),
        "closed_on_public_holidays": "on" if window.closed_on_public_holidays else "",
    }


async def _page(
    request: Request,
    session: AsyncSession,
    runtime: RuntimeDep,
    org: Organisation,
    values: dict[str, str],
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "tabs": links(request.app, SETTINGS_TABS, role="admin", section="settings"),
        "channels": CHANNEL_PREFERENCE,
        "enabled": runtime.channels,
        "disabled": runtime.disabled,
        "paused": await paused_channels(session, now=utcnow()),
        "figures": await _channel_figures(session),
        "organisations": list(
            (await session.execute(select(Organisation).order_by(Organisation.id))).scalars()
        ),
        "org": org,
        "weekdays": WEEKDAYS,
        "values": values,
        "errors": errors,
    }
    return render(request, "settings.html", context, section="settings", status_code=status_code)


@router.get("/settings", name="console.settings")
async def settings_page(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: AdminPage,
    org: Annotated[int | None, Query()] = None,
) -> HTMLResponse:
    organisation = await _organisation(session, org, staff)
    try:
        window = window_from_settings(organisation.settings)
    except ValueError:
        window = SendingWindow()  # a broken stored value is shown as the default, to be saved again
    return await _page(request, session, runtime, organisation, _window_values(window), {})


def read_window(form: FormReader) -> SendingWindow | None:
    """Read the sending-window form; None with problems attached when it is not valid."""
    zone = form.text("timezone", required=True, max_length=64)
    try:
        if zone:
            ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        form.refuse("timezone", Problem(N_("Fuseau horaire inconnu (par exemple : Europe/Paris).")))
    days = form.many("weekdays", WEEKDAYS)
    if not days:
        form.refuse("weekdays", Problem(N_("Choisissez au moins un jour d'envoi.")))
    start, end = form.clock("start", BAD_CLOCK), form.clock("end", BAD_CLOCK)
    holidays_closed = form.flag("closed_on_public_holidays")
    if start and end and end <= start:
        form.refuse("end", Problem(N_("L'heure de fin doit être après l'heure de début.")))
    if not form.ok or start is None or end is None:
        return None
    setting = {
        "timezone": zone,
        "weekdays": sorted(int(d) for d in days),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "closed_on_public_holidays": holidays_closed,
    }
    try:
        return SendingWindow.from_mapping(setting)
    except ValueError:
        form.refuse("timezone", Problem(N_("Réglage refusé : vérifiez chaque champ.")))
        return None


@router.post("/settings/sending-window", name="console.settings_sending_window")
async def save_sending_window(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: AdminPage,
    org: Annotated[int, Query()],
) -> Response:
    organisation = await _organisation(session, org, staff)
    form = FormReader(await request.form())
    window = read_window(form)
    if window is None:
        return await _page(request, session, runtime, organisation, form.values, form.errors, 422)
    before = organisation.settings.get(WINDOW_SETTING)
    # A new dict, so that the JSON column is seen as changed.
    organisation.settings = {**organisation.settings, WINDOW_SETTING: window.to_mapping()}
    await record_audit(
        session,
        staff=staff,
        action="settings.sending_window",
        details={
            "organisation_id": organisation.id,
            "before": before,
            "after": window.to_mapping(),
        },
    )
    flash(request, Problem(N_("Fenêtre d'envoi enregistrée.")))
    return see_other(f"/settings?org={organisation.id}")
