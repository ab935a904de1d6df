"""Who may call what: the routes open to anyone, and the lowest role each staff route lets in.

Staff routes declare their role with `CurrentStaff` (any staff member: volunteer and above) or
`require_role(...)` / `StaffOnly` / `AdminOnly`; `minimum_role` reads it back from the route's
dependencies, so the access test covers a new route without anyone updating a list. A route
with neither must be in PUBLIC_ROUTES, or the test fails.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from lien.auth import OPERATOR, ROLES, MinimumRole, current_staff
from lien.console.roles import ConsoleMinimumRole, console_staff, console_staff_brief

# Providers sign their calls (Twilio signature, Telegram secret token); monitoring reads health;
# a calendar app cannot send a token, so a site's feed address carries a keyed signature.
PUBLIC_ROUTES = frozenset(
    {
        ("POST", "/webhooks/twilio"),
        ("POST", "/webhooks/twilio/status"),
        ("POST", "/webhooks/telegram"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/calendar/{slug}.ics"),
        # A file staff sent by SMS: the link carries an expiring signature (gateway.file_links).
        ("GET", "/f/{token}"),
        # The console's sign-in page, sign-out and language choice (forms are CSRF-protected).
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("POST", "/language"),
    }
)
# FastAPI's own pages: the API's description, no data.
DOCUMENTATION_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def _roles(dependant: Dependant) -> list[str]:
    found: list[str] = []
    for dependency in dependant.dependencies:
        call = dependency.call
        if isinstance(call, MinimumRole | ConsoleMinimumRole):
            found.append(call.minimum)
        elif call in (current_staff, console_staff, console_staff_brief):
            found.append(ROLES[0])
        found += _roles(dependency)
    return found


def minimum_role(route: APIRoute) -> str | None:
    """Return the lowest role a route lets in, or None when nothing guards it."""
    roles = _roles(route.dependant)
    if OPERATOR in roles:
        return OPERATOR
    return max(roles, key=ROLES.index) if roles else None


def app_routes(app: FastAPI) -> list[tuple[str, BaseRoute]]:
    """Return every route with its full path, routers' prefixes included."""
    # Recent FastAPI keeps included routers as views over the original routes.
    contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    if contexts is None:
        return [(getattr(r, "path", ""), r) for r in app.routes]
    return [(ctx.path or "", ctx.original_route) for ctx in contexts(app.routes)]


def access_table(app: FastAPI) -> dict[tuple[str, str], str | None]:
    """Map each API (method, path) to its lowest role; "public" for the declared public routes."""
    table: dict[tuple[str, str], str | None] = {}
    for path, route in app_routes(app):
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(route.methods or ()):
            key = (method, path)
            table[key] = "public" if key in PUBLIC_ROUTES else minimum_role(route)
    return table
