"""Refusals answered once for the whole app: every `LienError`, and values no column holds.

A domain refusal carries its status and French message, so routes raise and never translate.
Route schemas bound most input; the database handler catches what slips through on any route:
an id beyond PostgreSQL's integer range, a NUL character in text, an integer too large for SQLite.
"""

from __future__ import annotations

import logging

import asyncpg
from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response

from db.errors import LienError

log = logging.getLogger(__name__)
REFUSED = "valeur refusée : un identifiant hors limites ou un caractère interdit (NUL)"


def is_data_error(exc: BaseException) -> bool:
    """Tell whether the database refused a value (SQLSTATE class 22), not a fault of Lien's."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, asyncpg.exceptions.DataError | OverflowError | UnicodeError):
            return True
        if isinstance(seen, DBAPIError) and isinstance(seen.orig, Exception):
            seen = seen.orig
            continue
        seen = seen.__cause__
    return False


async def database_refusal(_request: Request, exc: Exception) -> JSONResponse:
    if is_data_error(exc):
        return JSONResponse({"detail": REFUSED}, status_code=422)
    log.error("database error", exc_info=exc)
    return JSONResponse({"detail": "erreur interne"}, status_code=500)


# Where answers are for programs; everything else is a console page.
_MACHINE_PATHS = ("/api/", "/webhooks/", "/calendar/")


async def lien_refusal(request: Request, exc: Exception) -> Response:
    """Answer a domain refusal with its status and French message (JSON, or a console page)."""
    assert isinstance(exc, LienError)
    if request.url.path.startswith(_MACHINE_PATHS):
        return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=exc.status)
    from lien.console.templating import render

    return render(request, "problem.html", {"problem": exc.message}, status_code=exc.status)


UNREADABLE = "texte refusé : un caractère invalide (substitut isolé ou octets hors UTF-8)"


async def text_refusal(_request: Request, exc: Exception) -> JSONResponse:
    """A string no encoding can store (a lone surrogate): the client's mistake."""
    return JSONResponse({"detail": UNREADABLE}, status_code=422)
