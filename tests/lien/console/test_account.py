"""One's own account: sessions held on the server, a new password, the password policy."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from db.models import StaffSession
from db.session import SessionMaker
from lien.console.accounts import AccountRefused, is_common, new_password_hash
from tests.lien.conftest import App
from tests.lien.console.conftest import PASSWORD, add_member, page_token, sign_in

EMAIL = "staff@example.org"
NEW = "une toute autre phrase"


async def _second_browser(app: App) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=app.client._transport, base_url=str(app.client.base_url))
    assert (await sign_in(client, EMAIL)).status_code == 303
    return client


async def _open_sessions(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(StaffSession).where(StaffSession.ended_at.is_(None))
        )
    return int(count or 0)


async def test_an_old_cookie_opens_nothing_once_signed_out(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await add_member(sessionmaker)
    client = lien_app.client
    assert (await sign_in(client, EMAIL)).status_code == 303
    cookie = client.cookies.get("lien_session")
    assert cookie and (await client.get("/")).status_code == 200
    token = await page_token(client, "/")
    assert (await client.post("/logout", data={"csrf_token": token})).status_code == 303
    assert await _open_sessions(sessionmaker) == 0
    client.cookies.set("lien_session", cookie)  # the copy someone kept
    assert (await client.get("/")).status_code == 303


async def test_signing_out_everywhere_else_keeps_only_this_browser(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await add_member(sessionmaker)
    other = await _second_browser(lien_app)
    assert (await sign_in(lien_app.client, EMAIL)).status_code == 303
    assert await _open_sessions(sessionmaker) == 2
    token = await page_token(lien_app.client, "/account")
    ended = await lien_app.client.post("/account/sessions/end", data={"csrf_token": token})
    assert ended.status_code == 303
    assert (await lien_app.client.get("/")).status_code == 200
    assert (await other.get("/")).status_code == 303
    assert await _open_sessions(sessionmaker) == 1


async def test_changing_ones_password_ends_the_other_sessions_and_checks_the_policy(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await add_member(sessionmaker)
    other = await _second_browser(lien_app)
    assert (await sign_in(lien_app.client, EMAIL)).status_code == 303
    token = await page_token(lien_app.client, "/account")

    async def change(current: str, new: str, again: str) -> httpx.Response:
        data = {"current": current, "new": new, "again": again, "csrf_token": token}
        return await lien_app.client.post("/account/password", data=data)

    wrong = await change("not it", NEW, NEW)
    assert wrong.status_code == 422 and "Mot de passe actuel incorrect." in wrong.text
    common = await change(PASSWORD, "Motdepasse2024!", "Motdepasse2024!")
    assert common.status_code == 422 and "trop courant" in common.text
    different = await change(PASSWORD, NEW, NEW + "x")
    assert different.status_code == 422 and "ne sont pas les mêmes" in different.text
    assert (await other.get("/")).status_code == 200  # nothing changed yet
    done = await change(PASSWORD, NEW, NEW)
    assert done.status_code == 303
    assert (await lien_app.client.get("/")).status_code == 200
    assert (await other.get("/")).status_code == 303
    fresh = httpx.AsyncClient(transport=lien_app.client._transport, base_url="https://testserver")
    assert (await sign_in(fresh, EMAIL, PASSWORD)).status_code == 401
    assert (await sign_in(fresh, EMAIL, NEW)).status_code == 303


@pytest.mark.parametrize(
    "password",
    ["azerty123456", "Password1234!", "motdepasse2026", "aaaaaaaaaaaaaa", "QWERTYUIOP!!!"],
)
async def test_common_passwords_are_refused(password: str) -> None:
    assert is_common(password)
    with pytest.raises(AccountRefused) as refused:
        await new_password_hash(password)
    assert refused.value.field == "password"


def test_an_ordinary_phrase_passes() -> None:
    assert not is_common("le chat dort sur le radiateur")
