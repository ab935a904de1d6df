"""The FastAPI application: webhooks, staff API, console; channels and jobs in its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from db.errors import LienError
from lien import webhooks
from lien.api import (
    attachments,
    audit,
    beneficiaries,
    broadcasts,
    calendar,
    consent,
    directory,
    enrollments,
    events,
    health,
    imports,
    inbox,
    mail,
    organisations,
    outbox,
    privacy,
    shared_files,
    simulator,
    tags,
    tickets,
)
from lien.body_limit import BodyLimit
from lien.console import install_console
from lien.refusals import database_refusal, lien_refusal, text_refusal
from lien.runtime import Runtime, start_runtime, stop_runtime
from lien.scheduler import start_scheduler
from lien.settings import Settings

Wiring = Callable[[Runtime], None]


def create_app(
    settings: Settings,
    *,
    dispatch: bool = True,
    schedule: bool = True,
    consume: bool | None = None,
    wiring: Wiring | None = None,
) -> FastAPI:
    """Build the app; the database, channels, dispatcher, inbound consumers and scheduler start
    with it (`consume` follows `dispatch` unless given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from lien.wiring import wire_domains

        runtime = await start_runtime(settings)
        try:
            (wiring or wire_domains)(runtime)
        except Exception:
            # A broken flow or directory file: refuse to start, but close what was opened.
            await stop_runtime(runtime)
            raise
        app.state.runtime = runtime
        task = asyncio.create_task(runtime.dispatcher.run_forever()) if dispatch else None
        consumers = runtime.start_consumers() if (dispatch if consume is None else consume) else []
        scheduler = start_scheduler(runtime) if schedule else None
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            runtime.dispatcher.stop()
            runtime.consumer.stop()
            for running in [*consumers, *([task] if task is not None else [])]:
                with contextlib.suppress(asyncio.CancelledError):
                    await running
            await stop_runtime(runtime)

    app = FastAPI(
        title="Lien",
        summary="Passerelle de messages pour les associations : SMS, Telegram, rappels, alertes.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(LienError, lien_refusal)
    app.add_exception_handler(DBAPIError, database_refusal)
    app.add_exception_handler(OverflowError, database_refusal)
    app.add_exception_handler(UnicodeError, text_refusal)
    domains = (calendar, events, enrollments, mail, tickets, directory, broadcasts, imports, tags)
    for module in (
        webhooks,
        beneficiaries,
        consent,
        simulator,
        inbox,
        outbox,
        audit,
        attachments,
        health,
        organisations,
        shared_files,
        *domains,
    ):
        app.include_router(module.router)
    install_console(app, settings)
    # Outermost: a body is bounded before any middleware, route or authentication reads it.
    app.add_middleware(BodyLimit, timeout_seconds=settings.body_timeout_seconds)
    app.include_router(privacy.people)
    app.include_router(privacy.settings_router)
    return app


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")}
        for e in errors
    ]
    return JSONResponse({"detail": "requête invalide", "errors": detail}, status_code=422)
