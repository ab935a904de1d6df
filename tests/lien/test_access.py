"""Every route of the app: public by declaration, or guarded by the role it declares."""

from __future__ import annotations

from fastapi.routing import APIRoute

from db.session import SessionMaker
from lien.api.access import DOCUMENTATION_PATHS, PUBLIC_ROUTES, access_table, app_routes
from lien.console.routing import console_routes
from tests.lien.access import assert_guarded, role_headers
from tests.lien.conftest import App

# The routes whose role matters most for personal data; a change here is a decision.
SENSITIVE = {
    ("GET", "/api/beneficiaries/{beneficiary_id}/export"): "staff",
    ("POST", "/api/beneficiaries/{beneficiary_id}/erasure"): "admin",
    ("POST", "/api/beneficiaries/{beneficiary_id}/consent"): "staff",
    ("GET", "/api/audit"): "admin",
    ("GET", "/api/privacy/retention"): "admin",
    ("PUT", "/api/privacy/retention"): "admin",
    ("GET", "/api/privacy/purge-preview"): "admin",
    ("GET", "/api/privacy/counts"): "admin",
}


def console_keys(app: App) -> set[tuple[str, str]]:
    return {(m, route.path) for route in console_routes(app.app) for m in route.methods or ()}


def table_of(app: App) -> dict[tuple[str, str], str | None]:
    return access_table(app.app)


async def test_only_the_declared_routes_are_public_and_every_other_route_has_a_role(
    lien_app: App,
) -> None:
    table = table_of(lien_app)
    assert [key for key, role in table.items() if role is None] == []
    assert {key for key, role in table.items() if role == "public"} == PUBLIC_ROUTES
    console = console_keys(lien_app)
    assert all(
        path.startswith("/api/") or (method, path) in console
        for (method, path), role in table.items()
        if role != "public"
    )
    others = {path for path, route in app_routes(lien_app.app) if not isinstance(route, APIRoute)}
    assert others <= DOCUMENTATION_PATHS | {"/static"}
    for key, role in SENSITIVE.items():
        assert table[key] == role, key


async def test_the_openapi_schema_lists_no_route_the_table_misses(lien_app: App) -> None:
    paths = lien_app.app.openapi()["paths"]
    described = {(method.upper(), path) for path, item in paths.items() for method in item}
    table = table_of(lien_app)
    assert described <= set(table)
    # A route left out of the schema (console pages are) must still be in the table, and be
    # public by declaration or a console page, which tests/lien/console/test_roles.py covers.
    assert {key for key in table if key not in described} <= PUBLIC_ROUTES | console_keys(lien_app)


async def test_a_signed_public_address_refuses_a_caller_without_its_signature(
    lien_app: App,
) -> None:
    for query in ("", "?key=guess"):
        answer = await lien_app.client.get(f"/calendar/accueil.ics{query}")
        assert answer.status_code == 403


async def test_each_route_refuses_anonymous_callers_and_roles_below_its_own(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    headers = await role_headers(sessionmaker)
    table = table_of(lien_app)
    guarded = {
        key: role for key, role in table.items() if role != "public" and key[1].startswith("/api")
    }
    assert len(guarded) >= 15
    # The rest are console pages, signed in by cookie: tests/lien/console/test_roles.py proves
    # each one sends anonymous visitors to the sign-in page and refuses lower roles.
    others = {key for key, role in table.items() if role != "public" and key not in guarded}
    assert others <= console_keys(lien_app)
    for (method, path), minimum in sorted(guarded.items()):
        assert minimum is not None
        await assert_guarded(lien_app.client, method, path, minimum, headers)
