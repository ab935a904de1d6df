"""Signing in and out: argon2 passwords, cookie flags, lock-out, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from db.base import utcnow
from db.models import StaffMember
from db.session import SessionMaker
from lien.console import signin
from lien.console.accounts import new_password_hash, set_password
from lien.console.signin import Attempt, SignInRefused, sign_in
from lien.console.throttle import PER_ACCOUNT, PER_ACCOUNT_AND_ADDRESS, SignInThrottle, account_key
from tests.lien.conftest import App
from tests.lien.console.conftest import PASSWORD, add_member, page_token
from tests.lien.console.conftest import sign_in as post_sign_in

EMAIL = "staff@example.org"


async def test_signing_in_sets_a_protected_cookie_and_opens_the_dashboard(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await add_member(sessionmaker, role="staff", name="Claire")
    assert member.password_hash is not None and member.password_hash.startswith("$argon2id$")
    response = await post_sign_in(lien_app.client, "  STAFF@example.org ")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    for flag in ("httponly", "samesite=lax", "secure", "path=/"):
        assert flag in cookie
    page = await lien_app.client.get("/")
    assert page.status_code == 200 and "Bonjour Claire" in page.text


async def test_a_wrong_password_is_refused_in_french(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await add_member(sessionmaker)
    response = await post_sign_in(lien_app.client, "staff@example.org", "not the password")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.text
    unknown = await post_sign_in(lien_app.client, "nobody@example.org")
    assert unknown.status_code == 401
    assert (await lien_app.client.get("/")).status_code == 303


async def test_empty_fields_get_a_message_next_to_each(lien_app: App) -> None:
    token = await page_token(lien_app.client)
    response = await lien_app.client.post(
        "/login", data={"email": "", "password": "", "csrf_token": token}
    )
    assert response.status_code == 422
    assert response.text.count("Ce champ est obligatoire.") == 2
    assert 'id="f-email-error"' in response.text and 'id="f-password-error"' in response.text
    assert 'aria-describedby="f-email-error"' in response.text


async def test_failures_make_this_browser_wait_alike_for_known_and_unknown_accounts(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await add_member(sessionmaker)
    limit = PER_ACCOUNT_AND_ADDRESS[0].amount
    for email in ("staff@example.org", "nobody@example.org"):
        codes = [
            (await post_sign_in(lien_app.client, email, "wrong")).status_code
            for _ in range(limit + 1)
        ]
        assert codes == [401] * limit + [429]
    known = await post_sign_in(lien_app.client, "staff@example.org", PASSWORD)
    unknown = await post_sign_in(lien_app.client, "nobody@example.org", PASSWORD)
    assert known.status_code == unknown.status_code == 429
    assert _problem(known.text) == _problem(unknown.text)
    assert "Réessayez dans 15 minute(s)." in known.text
    assert (await lien_app.client.get("/")).status_code == 303


def _problem(page: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</', page, re.S)
    assert found is not None, page
    return found.group(1).strip()


async def test_the_wait_ends_and_a_flood_from_elsewhere_does_not_keep_the_owner_out(
    sessionmaker: SessionMaker,
) -> None:
    await add_member(sessionmaker)
    throttle = SignInThrottle()
    now = utcnow()
    with time_machine.travel(now, tick=False):
        owner = await sign_in(sessionmaker, throttle, Attempt(EMAIL, PASSWORD, "10.0.0.1"), now=now)
        known = frozenset({account_key(EMAIL)})
        # A stranger tries from many addresses: the account as a whole has to wait…
        for n in range(PER_ACCOUNT[0].amount):
            with pytest.raises(SignInRefused):
                await sign_in(
                    sessionmaker, throttle, Attempt(EMAIL, "guess", f"10.1.{n}.1"), now=now
                )
        with pytest.raises(SignInRefused) as refused:
            await sign_in(sessionmaker, throttle, Attempt(EMAIL, PASSWORD, "10.2.0.1"), now=now)
        assert refused.value.wait_seconds is not None and refused.value.wait_seconds > 0
        # …but not the browser the owner signed in with before.
        again = await sign_in(
            sessionmaker, throttle, Attempt(EMAIL, PASSWORD, "10.0.0.1", known), now=now
        )
        assert again.staff_id == owner.staff_id
    later = now + timedelta(hours=1, seconds=1)
    with time_machine.travel(later, tick=False):
        back = await sign_in(
            sessionmaker, throttle, Attempt(EMAIL, PASSWORD, "10.2.0.1"), now=later
        )
    assert back.staff_id == owner.staff_id


async def test_no_connection_is_held_while_the_password_is_checked(
    sessionmaker: SessionMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_member(sessionmaker)
    open_while_hashing: list[int] = []
    engine = sessionmaker.kw["bind"]
    real = signin._verify

    def watching(password_hash: str, password: str) -> bool:
        open_while_hashing.append(engine.pool.checkedout())
        return real(password_hash, password)

    monkeypatch.setattr(signin, "_verify", watching)
    attempt = Attempt(EMAIL, PASSWORD, "10.0.0.9")
    await sign_in(sessionmaker, SignInThrottle(), attempt, now=utcnow())
    with pytest.raises(SignInRefused):
        await sign_in(
            sessionmaker, SignInThrottle(), Attempt("x@example.org", "y", "h"), now=utcnow()
        )
    assert open_while_hashing == [0, 0]


async def test_posts_without_the_session_token_are_refused(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await add_member(sessionmaker)
    client = lien_app.client
    data = {"email": "staff@example.org", "password": PASSWORD}
    missing = await client.post("/login", data=data)
    assert missing.status_code == 403 and "Formulaire expiré" in missing.text
    await page_token(client)
    wrong = await client.post("/login", data={**data, "csrf_token": "forged"})
    assert wrong.status_code == 403
    assert (await client.get("/")).status_code == 303
    # The header form, used by HTMX, is checked the same way.
    token = await page_token(client)
    by_header = await client.post("/login", data=data, headers={"X-CSRF-Token": token})
    assert by_header.status_code == 303


async def test_signing_in_renews_the_token_and_signing_out_ends_the_session(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await add_member(sessionmaker)
    client = lien_app.client
    anonymous_token = await page_token(client)
    await client.post(
        "/login",
        data={"email": "staff@example.org", "password": PASSWORD, "csrf_token": anonymous_token},
    )
    token = await page_token(client, "/")
    assert token != anonymous_token
    stale = await client.post("/logout", data={"csrf_token": anonymous_token})
    assert stale.status_code == 403
    out = await client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert (await client.get("/")).status_code == 303
    assert "Vous êtes déconnecté·e." in (await client.get("/login")).text


async def test_a_deactivated_account_or_a_new_password_ends_open_sessions(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    member = await add_member(sessionmaker)
    await post_sign_in(lien_app.client, "staff@example.org")
    assert (await lien_app.client.get("/")).status_code == 200
    async with sessionmaker() as session, session.begin():
        stored = await session.get_one(StaffMember, member.id)
        await set_password(
            session, stored, await new_password_hash("another long password"), now=utcnow()
        )
    assert (await lien_app.client.get("/")).status_code == 303
    await post_sign_in(lien_app.client, "staff@example.org", "another long password")
    async with sessionmaker() as session, session.begin():
        stored = await session.get_one(StaffMember, member.id)
        stored.active = False
    assert (await lien_app.client.get("/")).status_code == 303
    refused = await post_sign_in(lien_app.client, "staff@example.org", "another long password")
    assert refused.status_code == 401


async def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await add_member(sessionmaker)
    client = lien_app.client
    first = await client.get("/inbox?waiting=true")
    assert first.headers["location"] == "/login?next=%2Finbox%3Fwaiting%3Dtrue"
    for target, expected in [
        ("/inbox?waiting=true", "/inbox?waiting=true"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ]:
        token = await page_token(client)
        response = await client.post(
            "/login",
            data={
                "email": "staff@example.org",
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
        )
        assert response.headers["location"] == expected
    async with lien_app.runtime.sessionmaker() as session:
        assert (await session.scalar(select(StaffMember.failed_logins))) == 0
