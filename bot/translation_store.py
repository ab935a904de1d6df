"""An association's own translations: stored per key and language, laid over the shipped texts."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.flowcheck import flow_texts
from bot.flowdef import Flow
from db.models import TranslationOverride


def flow_catalogue(flow: Flow) -> str:
    """Name the catalogue a flow's texts are filed under."""
    return f"flux {flow.id}"


async def load_overrides(
    session: AsyncSession, *, organisation_id: int | None = None, catalogue: str | None = None
) -> list[TranslationOverride]:
    """Return an organisation's translations (a scoped session's own when not named)."""
    stmt = select(TranslationOverride).order_by(TranslationOverride.id)
    if organisation_id is not None:
        stmt = stmt.where(TranslationOverride.organisation_id == organisation_id)
    if catalogue is not None:
        stmt = stmt.where(TranslationOverride.catalogue == catalogue)
    return list(await session.scalars(stmt))


def overlaid(flow: Flow, texts: Mapping[tuple[str, str], str]) -> Flow:
    """Return the flow with the association's texts, by (key, language), over the file's."""
    if not texts:
        return flow
    copy = flow.model_copy(deep=True)
    # `flow_texts` yields the copy's own dictionaries, so writing into them edits the copy.
    for key, text in flow_texts(copy):
        for (wanted, language), written in texts.items():
            if wanted == key:
                text[language] = written
    return copy


async def flow_for(session: AsyncSession, flow: Flow, *, organisation_id: int) -> Flow:
    """Return the flow as the organisation's people read it."""
    rows = await load_overrides(
        session, organisation_id=organisation_id, catalogue=flow_catalogue(flow)
    )
    return overlaid(flow, {(row.key, row.language): row.text for row in rows})
