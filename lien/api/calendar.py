"""A site's sessions as an iCalendar feed: for staff with a token, or at a private address."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Query, Response

from db.base import utcnow
from db.errors import ForbiddenError, NotFoundError
from gateway.records import UnknownSite, site_by_slug
from lien.api.events import domain_errors
from lien.api.events_schemas import CalendarLinkOut
from lien.auth import CurrentStaff
from lien.deps import RuntimeDep, SessionDep
from notifications.feed import site_feed

# Declared before /api/events/{event_id}: the app includes this router first.
router = APIRouter(tags=["events"])
ICS = "text/calendar; charset=utf-8"


@router.get(
    "/api/events/calendar.ics", response_class=Response, summary="Calendrier d'un site (iCalendar)"
)
async def calendar(
    session: SessionDep, _staff: CurrentStaff, site: Annotated[str, Query(max_length=64)]
) -> Response:
    with domain_errors():
        found = await site_by_slug(session, site)
    return Response(await site_feed(session, site=found, now=utcnow()), media_type=ICS)


@router.get(
    "/api/events/calendar-link", response_model=CalendarLinkOut, summary="Adresse d'abonnement"
)
async def calendar_link(
    runtime: RuntimeDep,
    session: SessionDep,
    _staff: CurrentStaff,
    site: Annotated[str, Query(max_length=64)],
) -> CalendarLinkOut:
    with domain_errors():
        found = await site_by_slug(session, site)
    key = calendar_key(runtime.settings.secret_key, found.slug)
    return CalendarLinkOut(url=f"{runtime.settings.base_url}/calendar/{found.slug}.ics?key={key}")


def calendar_key(secret: str, slug: str) -> str:
    """Return the key of a site's calendar address: calendar apps cannot send a token."""
    return hmac.new(secret.encode(), f"calendar:{slug}".encode(), hashlib.sha256).hexdigest()[:32]


@router.get("/calendar/{slug}.ics", response_class=Response, include_in_schema=False)
async def public_calendar(
    slug: str, runtime: RuntimeDep, session: SessionDep, key: str = ""
) -> Response:
    expected = calendar_key(runtime.settings.secret_key, slug)
    if not hmac.compare_digest(key, expected):
        raise ForbiddenError("clé de calendrier invalide")
    try:
        found = await site_by_slug(session, slug)
    except UnknownSite as exc:
        raise NotFoundError(str(exc)) from exc
    return Response(await site_feed(session, site=found, now=utcnow()), media_type=ICS)
