"""The domains' panels on a person's record: tickets, activities, mail notices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.tickets import STATUSES, TicketFilter, list_tickets
from lien.console.events_view import title_of
from lien.console.record_view import RECORD_PANELS, RecordPanel
from notifications.mail import mail_notices
from notifications.record import person_activity
from notifications.service import list_events
from notifications.states import NotFound

PANEL_LIMIT = 20


async def _tickets(session: AsyncSession, beneficiary_id: int) -> Mapping[str, Any]:
    wanted = TicketFilter(statuses=STATUSES, beneficiary_id=beneficiary_id)
    tickets = await list_tickets(session, wanted=wanted, limit=PANEL_LIMIT)
    # Open first (the queue's order), then the resolved ones, latest first.
    tickets.sort(key=lambda t: (t.status == "resolved", -t.id if t.status == "resolved" else 0))
    return {"tickets": tickets}


async def _activities(session: AsyncSession, beneficiary_id: int) -> Mapping[str, Any]:
    try:
        activity = await person_activity(session, beneficiary_id=beneficiary_id)
    except NotFound:
        return {"lists": [], "sessions": [], "events": []}
    events = [(event.id, title_of(event)) for event in await list_events(session)]
    return {
        "lists": activity.lists,
        "sessions": activity.sessions[-PANEL_LIMIT:],
        "events": events,
    }


async def _mail(session: AsyncSession, beneficiary_id: int) -> Mapping[str, Any]:
    notices = await mail_notices(session, beneficiary_id=beneficiary_id)
    return {"notices": notices[:PANEL_LIMIT]}


DOMAIN_PANELS = (
    RecordPanel("tickets", "_panel_tickets.html", _tickets),
    RecordPanel("activities", "_panel_activities.html", _activities),
    RecordPanel("mail", "_panel_mail.html", _mail),
)


def add_domain_panels() -> None:
    """Show the domains' panels on the record, once however many apps are built."""
    RECORD_PANELS.extend(panel for panel in DOMAIN_PANELS if panel not in RECORD_PANELS)
