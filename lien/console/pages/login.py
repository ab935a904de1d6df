"""Signing in and out, and choosing the console's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from db.base import utcnow
from db.session import transaction
from lien.console.csrf import renew_csrf_token
from lien.console.forms import REQUIRED, FormReader
from lien.console.i18n import LANGUAGES, N_, Problem
from lien.console.roles import SESSION_KEY
from lien.console.routing import console_router, safe_next, see_other
from lien.console.signin import Attempt, SignInRefused, sign_in
from lien.console.staff_sessions import end_session, open_session
from lien.console.templating import flash, render
from lien.console.throttle import SignInThrottle, account_key
from lien.deps import RuntimeDep

router = console_router()

WRONG_CREDENTIALS = Problem(N_("Adresse e-mail ou mot de passe incorrect."))
TOO_MANY = N_("Trop d'essais depuis cet appareil. Réessayez dans %(minutes)s minute(s).")
# Accounts this browser signed in to lately: the all-addresses throttle lets them through.
KNOWN_KEY = "known"
KNOWN_AT_MOST = 5


def _refusal(refused: SignInRefused) -> tuple[Problem, int]:
    if refused.wait_seconds is None:
        return WRONG_CREDENTIALS, 401
    return Problem(TOO_MANY, {"minutes": max(1, -(-refused.wait_seconds // 60))}), 429


def _restart_session(request: Request) -> None:
    """Empty the session, keeping only the language chosen and the accounts known here."""
    kept = {k: request.session.get(k) for k in ("lang", KNOWN_KEY)}
    request.session.clear()
    if kept["lang"] in LANGUAGES:
        request.session["lang"] = kept["lang"]
    if isinstance(kept[KNOWN_KEY], list):
        request.session[KNOWN_KEY] = kept[KNOWN_KEY]


def _known_accounts(request: Request) -> frozenset[str]:
    known = request.session.get(KNOWN_KEY)
    return (
        frozenset(k for k in known if isinstance(k, str))
        if isinstance(known, list)
        else frozenset()
    )


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_of(request: Request) -> SignInThrottle:
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    return throttle


@router.get("/login", name="console.login")
async def login_page(
    request: Request, next_: Annotated[str | None, Query(alias="next")] = None
) -> HTMLResponse:
    context = {"values": {"email": ""}, "errors": {}, "next": safe_next(next_)}
    return render(request, "login.html", context)


# No request transaction here: argon2 runs with no connection held, and the session row
# is written in a short transaction of its own.
@router.post("/login", name="console.login_submit")
async def login_submit(request: Request, runtime: RuntimeDep) -> Response:
    form = FormReader(await request.form())
    email = form.text("email", required=True)
    raw_password = form.form.get("password")
    password = raw_password if isinstance(raw_password, str) else ""
    target = safe_next(form.text("next", max_length=2000))
    if not password:
        form.refuse("password", REQUIRED)
    status_code = 422
    if form.ok:
        attempt = Attempt(email, password, _client_address(request), _known_accounts(request))
        try:
            signed = await sign_in(
                runtime.sessionmaker, throttle_of(request), attempt, now=utcnow()
            )
        except SignInRefused as refused:
            problem, status_code = _refusal(refused)
            form.refuse("form", problem)
        else:
            async with transaction(runtime.sessionmaker) as session:
                token = await open_session(session, staff_id=signed.staff_id, now=utcnow())
            known = [
                account_key(email),
                *(k for k in _known_accounts(request) if k != account_key(email)),
            ]
            _restart_session(request)
            request.session.update({SESSION_KEY: token, KNOWN_KEY: known[:KNOWN_AT_MOST]})
            renew_csrf_token(request)
            return see_other(target)
    context = {"values": form.values, "errors": form.errors, "next": target}
    return render(request, "login.html", context, status_code=status_code)


async def end_this_session(request: Request, runtime: RuntimeDep) -> None:
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        async with transaction(runtime.sessionmaker) as session:
            await end_session(session, token, now=utcnow())


@router.post("/logout", name="console.logout")
async def logout(request: Request, runtime: RuntimeDep) -> Response:
    await end_this_session(request, runtime)
    _restart_session(request)
    flash(request, Problem(N_("Vous êtes déconnecté·e.")))
    return see_other("/login")


@router.post("/language", name="console.set_language")
async def set_language(request: Request) -> Response:
    form = FormReader(await request.form())
    language = form.choice("lang", LANGUAGES, required=True)
    if form.ok:
        request.session["lang"] = language
    return see_other(safe_next(form.text("next", max_length=2000)))
