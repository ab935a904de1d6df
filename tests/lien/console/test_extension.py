"""Pages built later slot in: a menu entry appears with its page, a record panel with its data."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy.ext.asyncio import AsyncSession

from db.session import SessionMaker
from lien.console import record_view
from lien.console.record_view import RecordPanel
from lien.console.roles import VolunteerPage
from lien.console.routing import console_router
from lien.console.templating import environment, render
from tests.factories import create_person
from tests.lien.conftest import App
from tests.lien.console.conftest import sign_in, signed_in_as


def menu_of(page: str) -> str:
    return page.split('class="menu"', 1)[1].split("</nav>", 1)[0]


async def test_a_menu_entry_shows_only_once_its_page_is_mounted(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "volunteer")
    assert "Diffusions" not in menu_of((await lien_app.client.get("/")).text)
    router = console_router()

    @router.get("/broadcasts", name="console.broadcasts")
    async def broadcasts(request: Request, _staff: VolunteerPage) -> HTMLResponse:
        return render(request, "not_found.html", section="broadcasts")

    @router.get("/user-file-import", name="console.user_file_import")
    async def user_file_import(request: Request, _staff: VolunteerPage) -> HTMLResponse:
        return render(request, "not_found.html", section="user_file_import")

    lien_app.app.include_router(router)
    lien_app.client.cookies.clear()
    await signed_in_as(lien_app, sessionmaker, "staff")
    menu = menu_of((await lien_app.client.get("/broadcasts")).text)
    assert '<a href="/broadcasts" aria-current="page">Diffusions</a>' in menu
    lien_app.client.cookies.clear()
    await sign_in(lien_app.client, "volunteer@example.org")
    menu = menu_of((await lien_app.client.get("/")).text)
    assert "/broadcasts" not in menu  # broadcasts are for staff and above


async def test_a_record_panel_added_by_a_domain_is_shown_to_the_roles_it_names(
    lien_app: App, sessionmaker: SessionMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def load(session: AsyncSession, beneficiary_id: int) -> Mapping[str, object]:
        return {"tickets": [f"ticket of {beneficiary_id}"]}

    for language in ("fr", "en"):
        env = environment(language)
        extra = DictLoader({"_panel_test.html": "<p>{{ data.tickets|join(',') }}</p>"})
        monkeypatch.setattr(env, "loader", ChoiceLoader([extra, env.loader]))  # type: ignore[list-item]
    monkeypatch.setattr(
        record_view,
        "RECORD_PANELS",
        [
            RecordPanel("tickets", "_panel_test.html", load),
            RecordPanel("secret", "_panel_test.html", load, minimum="admin"),
        ],
    )
    async with sessionmaker() as session, session.begin():
        person_id = (await create_person(session)).id
    await signed_in_as(lien_app, sessionmaker, "staff")
    page = (await lien_app.client.get(f"/beneficiaries/{person_id}")).text
    assert page.count(f"<p>ticket of {person_id}</p>") == 1
