"""Every route of the app: public by declaration, or guarded by the role it declares."""

from __future__ import annotations

from fastapi.routing import APIRoute

from db.session import SessionMaker
from lien.api.access import DOCUMENTATION_PATHS, PUBLIC_ROUTES, access_table, app_routes
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


def table_of(app: App) -> dict[tuple[str, str], str | None]:
    return access_table(app.app)


async def test_only_the_declared_routes_are_public_and_every_other_route_has_a_role(
    lien_app: App,
) -> None:
    table = table_of(lien_app)
    assert [key for key, role in table.items() if role is None] == []
    assert {key for key, role in table.items() if role == "public"} == PUBLIC_ROUTES
    assert all(path.startswith("/api/") for (_, path), role in table.items() if role != "public")
    others = {path for path, route in app_routes(lien_app.app) if not isinstance(route, APIRoute)}
    assert others <= DOCUMENTATION_PATHS
    for key, role in SENSITIVE.items():
        assert table[key] == role, key


async def test_the_openapi_schema_lists_no_route_the_table_misses(lien_app: App) -> None:
    paths = lien_app.app.openapi()["paths"]
    described = {(method.upper(), path) for path, item in paths.items() for method in item}
    table = table_of(lien_app)
    assert described <= set(table)
    # A route left out of the schema must still be in the table, and public by declaration.
    assert {key for key in table if key not in described} <= PUBLIC_ROUTES


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
    guarded = {key: role for key, role in table_of(lien_app).items() if role != "public"}
    assert len(guarded) >= 15
    for (method, path), minimum in sorted(guarded.items()):
        assert minimum is not None
        await assert_guarded(lien_app.client, method, path, minimum, headers)
