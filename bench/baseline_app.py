"""The baseline: a bare FastAPI endpoint doing one INSERT, on the same database engine."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from db.session import create_engine

metadata = MetaData()
hits = Table(
    "bench_hits", metadata, Column("id", Integer, primary_key=True), Column("body", String)
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_engine(os.environ["BENCH_DATABASE_URL"])
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    app.state.engine = engine
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/ingest")
async def ingest(request: Request) -> Response:
    form = await request.form()
    async with request.app.state.engine.begin() as conn:
        await conn.execute(insert(hits).values(body=str(form.get("Body", ""))))
    return Response("<Response/>", media_type="application/xml")
