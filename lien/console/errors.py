"""What the console answers when it refuses: sign in, not your role, stale form, not found."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from lien.console.csrf import CsrfRefused
from lien.console.roles import LoginRequired, RoleRefused
from lien.console.templating import render


class PageNotFound(Exception):
    """A console page about something that does not exist (an unknown record, say)."""


async def _login_required(request: Request, _exc: Exception) -> Response:
    target = "/login"
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?" + urlencode({"next": here})
    if request.headers.get("hx-request"):
        # An HTMX call (a list refreshing itself) sends the whole page to the sign-in form.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _role_refused(request: Request, exc: Exception) -> Response:
    minimum = exc.minimum if isinstance(exc, RoleRefused) else "admin"
    return render(request, "refused.html", {"minimum": minimum}, status_code=403)


async def _csrf_refused(request: Request, _exc: Exception) -> Response:
    return render(request, "stale_form.html", {}, status_code=403)


async def _not_found(request: Request, _exc: Exception) -> Response:
    return render(request, "not_found.html", {}, status_code=404)


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(RoleRefused, _role_refused)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_exception_handler(PageNotFound, _not_found)
