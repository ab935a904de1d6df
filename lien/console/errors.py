"""What the console answers when it refuses: sign in, not your role, stale form, not found."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from lien.console.csrf import CsrfRefused
from lien.console.roles import LoginRequired, RoleRefused
from lien.console.routing import CONSOLE_TAG
from lien.console.templating import render
from lien.refusals import is_data_error

Row = TypeVar("Row")
Handler = Callable[[Request, Any], Response | Awaitable[Response]]
# Paths whose callers are programs: they keep their JSON answers.
MACHINE_PATHS = ("/api/", "/webhooks/", "/healthz", "/metrics", "/docs", "/openapi", "/static/")


class PageNotFound(Exception):
    """A console page about something that does not exist (an unknown record, say)."""


async def get_or_404(session: AsyncSession, model: type[Row], key: int) -> Row:
    """Return the row the page is about; the not-found page if the viewer's session has none."""
    row = await session.get(model, key)
    if row is None:
        raise PageNotFound
    return row


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


def _for_people(request: Request) -> bool:
    """Tell whether an error should be a console page: a console route, or a browser's visit."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        return CONSOLE_TAG in route.tags
    path = request.url.path
    return not path.startswith(MACHINE_PATHS) and "text/html" in request.headers.get("accept", "")


async def _answer(handler: Handler, request: Request, exc: Exception) -> Response:
    answered = handler(request, exc)
    return await answered if inspect.isawaitable(answered) else answered


def _page_or(fallback: Handler) -> Handler:
    """Answer people with a French page, and programs as `fallback` does."""

    async def handle(request: Request, exc: Exception) -> Response:
        if not _for_people(request):
            return await _answer(fallback, request, exc)
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            return render(request, "bad_request.html", {}, status_code=405)
        if isinstance(exc, HTTPException) and exc.status_code != 404:
            return await _answer(fallback, request, exc)
        if isinstance(exc, DBAPIError | OverflowError):
            if not is_data_error(exc):
                return await _answer(fallback, request, exc)
            return render(request, "bad_request.html", {}, status_code=422)
        if isinstance(exc, RequestValidationError) and not _in_path(exc):
            return render(request, "bad_request.html", {}, status_code=422)
        # A path that names nothing, or names it with an id no record can have.
        return render(request, "not_found.html", {}, status_code=404)

    return handle


def _in_path(exc: RequestValidationError) -> bool:
    return any(error.get("loc", ("",))[0] == "path" for error in exc.errors())


def _install_people_pages(app: FastAPI) -> None:
    async def plain_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return await http_exception_handler(request, exc)

    for kind in (RequestValidationError, DBAPIError, OverflowError, HTTPException):
        fallback = app.exception_handlers.get(kind, plain_http)
        app.add_exception_handler(kind, _page_or(fallback))


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(RoleRefused, _role_refused)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_exception_handler(PageNotFound, _not_found)
    _install_people_pages(app)
