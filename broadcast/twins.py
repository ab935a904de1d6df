"""Broadcasts that repeat another: the same texts to the same audience within a day."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from broadcast.service import CANCELLED, DRAFT, audience_filter_of, texts_of
from db.models import Broadcast

TWIN_WINDOW = timedelta(hours=24)


async def recent_twin(
    session: AsyncSession, *, broadcast: Broadcast, now: datetime
) -> Broadcast | None:
    """Return a broadcast submitted in the last 24 h with the same texts and audience."""
    candidates = await session.scalars(
        select(Broadcast)
        .where(
            Broadcast.organisation_id == broadcast.organisation_id,
            Broadcast.id != broadcast.id,
            Broadcast.status.not_in((DRAFT, CANCELLED)),
            Broadcast.submitted_at >= now - TWIN_WINDOW,
        )
        .options(selectinload(Broadcast.texts))
        .order_by(Broadcast.submitted_at.desc())
    )
    texts = _normalised(texts_of(broadcast))
    audience = audience_filter_of(broadcast)
    for other in candidates:
        if _normalised(texts_of(other)) == texts and audience_filter_of(other) == audience:
            return other
    return None


def _normalised(texts: dict[str, str]) -> dict[str, str]:
    # Spacing and case do not make a different message for the person who reads it twice.
    return {language: " ".join(body.split()).casefold() for language, body in texts.items()}
