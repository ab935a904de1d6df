"""One handler answers every domain refusal with its status, code and French message."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from bot.tickets import TicketConflict
from broadcast.texts import WrongState
from db.errors import ConflictError, LienError
from lien.refusals import lien_refusal
from notifications.states import NotFound


def app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(LienError, lien_refusal)

    @app.get("/api/thing")
    async def thing() -> None:
        raise error

    return app


async def answer(error: Exception) -> httpx.Response:
    transport = httpx.ASGITransport(app=app_raising(error))
    async with httpx.AsyncClient(transport=transport, base_url="http://lien") as client:
        return await client.get("/api/thing")


async def test_a_refusal_answers_its_status_and_french_message() -> None:
    response = await answer(NotFound("séance introuvable"))
    assert response.status_code == 404
    assert response.json() == {"detail": "séance introuvable", "code": "not_found"}


async def test_domain_refusals_carry_the_status_their_meaning_needs() -> None:
    assert (await answer(TicketConflict("déjà pris par Awa"))).status_code == 409
    assert (await answer(WrongState("not_cancellable"))).status_code == 409
    assert issubclass(TicketConflict, ValueError) and issubclass(TicketConflict, ConflictError)
