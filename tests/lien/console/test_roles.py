"""Every console page is closed to anonymous visitors and to roles below its own."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from db.session import SessionMaker
from lien.api import access
from lien.auth import ROLES
from lien.console.routing import console_routes as all_console_routes
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, page_token, signed_in_as

PUBLIC = {"console.login", "console.login_submit", "console.logout", "console.set_language"}


def console_routes(app: App) -> list[APIRoute]:
    routes = all_console_routes(app.app)
    assert len(routes) > 10
    return routes


def concrete(route: APIRoute) -> str:
    return re.sub(r"\{[^}]+\}", "1", route.path_format)


def minimum_role(route: APIRoute) -> str:
    return access.minimum_role(route) or "volunteer"


async def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(lien_app: App) -> None:
    client = lien_app.client
    token = await page_token(client)
    checked = 0
    for route in console_routes(lien_app):
        if route.name in PUBLIC:
            continue
        for method in sorted(route.methods or ()):
            data = {"csrf_token": token} if method == "POST" else None
            response = await client.request(method, concrete(route), data=data)
            assert response.status_code == 303, (method, route.path)
            assert response.headers["location"].startswith("/login"), (method, route.path)
            checked += 1
    assert checked >= 15


async def test_an_htmx_refresh_without_a_session_sends_the_page_to_sign_in(lien_app: App) -> None:
    response = await lien_app.client.get("/inbox/rows", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["hx-redirect"].startswith("/login")


async def test_a_volunteer_cannot_open_pages_above_their_role(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    client = lien_app.client
    token = csrf_of((await client.get("/")).text)
    above = [r for r in console_routes(lien_app) if minimum_role(r) != "volunteer"]
    assert {
        "console.settings",
        "console.simulator",
        "console.record_edit",
        "console.event_new",
        "console.event_create",
        "console.session_change_submit",
        "console.directory",
        "console.record_export",
        "console.record_erase_submit",
    } <= {r.name for r in above}
    for route in above:
        for method in route.methods or ():
            data = {"csrf_token": token} if method == "POST" else None
            response = await client.request(method, concrete(route), data=data)
            assert response.status_code == 403, (method, route.path)
            assert "Accès refusé" in response.text


async def test_staff_can_do_everything_but_the_settings(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    admin_only = {r.name for r in console_routes(lien_app) if minimum_role(r) == "admin"}
    assert {"console.settings", "console.staff_accounts", "console.record_erase"} <= admin_only
    assert "console.directory" not in admin_only
    assert (await lien_app.client.get("/settings")).status_code == 403
    assert (await lien_app.client.get("/simulator")).status_code == 200


async def test_each_role_sees_only_menu_entries_it_can_open(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    menus: dict[str, list[str]] = {}
    for role in ROLES:
        lien_app.client.cookies.clear()
        await signed_in_as(lien_app, sessionmaker, role)
        home = (await lien_app.client.get("/")).text
        nav = home.split('class="menu"', 1)[1].split("</nav>", 1)[0]
        menus[role] = re.findall(r'href="([^"]+)"', nav)
        for href in menus[role]:
            assert (await lien_app.client.get(href)).status_code == 200, (role, href)
    assert menus["volunteer"] == ["/", "/triage", "/inbox", "/beneficiaries", "/events"]
    assert "/simulator" in menus["staff"] and "/settings" not in menus["staff"]
    assert "/settings" in menus["admin"]
