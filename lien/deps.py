"""Request-scoped dependencies: one transaction per request, committed at its end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from lien.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    # Not `session.begin()`: a route may commit what it read before slow work outside any
    # transaction (see lien.reply_files), the rest of the request then running in a new one.
    async with runtime.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
    # Committed: anything queued in this request can leave now rather than at the next poll.
    runtime.dispatcher.wake()


# Committed when the endpoint returns, before the answer leaves: a browser following a
# redirect after a form (or a client reading back what it just wrote) sees the change.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
