"""The broadcasts' share of a person's data: which alerts reached them, and their replies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Broadcast, BroadcastRecipient, BroadcastReply
from gateway.catalogue import load_catalogue, render
from gateway.privacy.core import KeptAsLongAsThePerson, iso
from gateway.privacy.labels import section_texts
from gateway.privacy.sources import Exported

LABELS = Path(__file__).parent / "privacy_labels.yaml"


def _word(kind: str, code: str) -> str:
    catalogue = load_catalogue(LABELS)
    return render(catalogue.get(f"{kind}.{code}") or catalogue["unknown"], "fr")


class BroadcastsSource(KeptAsLongAsThePerson):
    """Recipients stay for the broadcast's counts, without detail; replies are unlinked."""

    name = "broadcasts"

    def __init__(self) -> None:
        self.title, self.labels = section_texts(self.name, path=LABELS)

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        rows: list[dict[str, Any]] = []
        received = await session.execute(
            select(BroadcastRecipient.state, Broadcast.title, Broadcast.created_at)
            .join(Broadcast, BroadcastRecipient.broadcast_id == Broadcast.id)
            .where(BroadcastRecipient.beneficiary_id == beneficiary_id)
            .order_by(Broadcast.id)
        )
        for state, title, created_at in received.all():
            rows.append(
                {
                    "kind": _word("kind", "recipient"),
                    "broadcast": title,
                    "state": _word("state", state),
                    "date": iso(created_at),
                }
            )
        replies = await session.execute(
            select(BroadcastReply.created_at, Broadcast.title)
            .join(Broadcast, BroadcastReply.broadcast_id == Broadcast.id)
            .where(BroadcastReply.beneficiary_id == beneficiary_id)
            .order_by(BroadcastReply.id)
        )
        for created_at, title in replies.all():
            rows.append(
                {"kind": _word("kind", "reply"), "broadcast": title, "date": iso(created_at)}
            )
        return rows

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        details = await session.execute(
            update(BroadcastRecipient)
            .where(
                BroadcastRecipient.beneficiary_id == beneficiary_id,
                BroadcastRecipient.detail.is_not(None),
            )
            .values(detail=None)
        )
        replies = await session.execute(
            delete(BroadcastReply).where(BroadcastReply.beneficiary_id == beneficiary_id)
        )
        return sum(int(getattr(r, "rowcount", 0) or 0) for r in (details, replies))
