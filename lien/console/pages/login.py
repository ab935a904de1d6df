"""Signing in and out, and choosing the console's language."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from db.base import utcnow
from lien.console.csrf import renew_csrf_token
from lien.console.forms import REQUIRED, FormReader
from lien.console.i18n import LANGUAGES, N_, Problem
from lien.console.roles import sign_in_stamp
from lien.console.routing import console_router, safe_next, see_other
from lien.console.signin import SignInRefused, sign_in
from lien.console.templating import flash, render
from lien.deps import RuntimeDep, SessionDep

router = console_router()

WRONG_CREDENTIALS = Problem(N_("Adresse e-mail ou mot de passe incorrect."))


def _refusal(refused: SignInRefused, timezone: str) -> tuple[Problem, int]:
    if refused.locked_until is None:
        return WRONG_CREDENTIALS, 401
    until = refused.locked_until.astimezone(ZoneInfo(timezone)).strftime("%H:%M")
    text = N_("Trop d'essais : ce compte est bloqué jusqu'à %(time)s. Réessayez ensuite.")
    return Problem(text, {"time": until}), 429


def _restart_session(request: Request) -> None:
    """Empty the session, keeping only the language chosen on this browser."""
    language = request.session.get("lang")
    request.session.clear()
    if language in LANGUAGES:
        request.session["lang"] = language


@router.get("/login", name="console.login")
async def login_page(
    request: Request, next_: Annotated[str | None, Query(alias="next")] = None
) -> HTMLResponse:
    context = {"values": {"email": ""}, "errors": {}, "next": safe_next(next_)}
    return render(request, "login.html", context)


@router.post("/login", name="console.login_submit")
async def login_submit(request: Request, session: SessionDep, runtime: RuntimeDep) -> Response:
    form = FormReader(await request.form())
    email = form.text("email", required=True)
    raw_password = form.form.get("password")
    password = raw_password if isinstance(raw_password, str) else ""
    target = safe_next(form.text("next", max_length=2000))
    if not password:
        form.refuse("password", REQUIRED)
    status_code = 422
    if form.ok:
        try:
            member = await sign_in(session, email=email, password=password, now=utcnow())
        except SignInRefused as refused:
            problem, status_code = _refusal(refused, runtime.settings.timezone)
            form.refuse("form", problem)
        else:
            _restart_session(request)
            request.session.update(staff=member.id, auth=sign_in_stamp(member))
            renew_csrf_token(request)
            return see_other(target)
    context = {"values": form.values, "errors": form.errors, "next": target}
    return render(request, "login.html", context, status_code=status_code)


@router.post("/logout", name="console.logout")
async def logout(request: Request) -> Response:
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
