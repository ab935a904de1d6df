"""What every console router shares: hidden from the API docs, tagged, CSRF-checked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute

from lien.console.csrf import verify_csrf

CONSOLE_TAG = "console"


def console_router() -> APIRouter:
    """Return a router for console pages; its POST routes refuse requests without the token."""
    return APIRouter(
        tags=[CONSOLE_TAG],
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=[Depends(verify_csrf)],
    )


def _flatten(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # Recent FastAPI keeps included routers whole instead of copying their routes.
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _flatten(included.routes)


def console_routes(app: FastAPI) -> list[APIRoute]:
    """Return every console route the app serves (for checks that must cover new pages)."""
    return [route for route in _flatten(app.routes) if CONSOLE_TAG in route.tags]


def safe_next(target: str | None, default: str = "/") -> str:
    """Keep a return address only if it stays on this site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def see_other(path: str) -> RedirectResponse:
    """Redirect after a form, so that reloading the page does not post it again."""
    return RedirectResponse(path, status_code=303)
