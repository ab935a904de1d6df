"""A stand-in for a domain's personal-data source (tickets, enrolments), kept in memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.privacy.sources import Exported, PurgeRun


@dataclass
class MemorySource:
    """Rows per person; records every call so tests see the registry drive it."""

    name: str
    title: str
    kind: str
    default_months: int
    rows: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    journal: list[str] | None = None

    @property
    def labels(self) -> Mapping[str, str]:
        return {"summary": "Résumé", "opened_at": "Ouvert le"}

    @property
    def retention(self) -> Mapping[str, int]:
        return {self.kind: self.default_months}

    async def export(self, session: AsyncSession, beneficiary_id: int) -> Exported:
        self.calls.append(("export", beneficiary_id))
        return list(self.rows.get(beneficiary_id, []))

    async def erase(self, session: AsyncSession, beneficiary_id: int) -> int:
        self.calls.append(("erase", beneficiary_id))
        if self.journal is not None:
            self.journal.append(self.name)
        return len(self.rows.pop(beneficiary_id, []))

    async def purge(self, session: AsyncSession, run: PurgeRun) -> dict[str, int]:
        cutoff = run.cutoff(self.kind)
        self.calls.append(("purge", (run.organisation_id, cutoff, run.dry_run)))
        old = [
            (pid, row)
            for pid, rows in self.rows.items()
            for row in rows
            if cutoff is not None and datetime.fromisoformat(row["opened_at"]) < cutoff
        ]
        if not run.dry_run:
            for pid, row in old:
                self.rows[pid].remove(row)
        return {self.kind: len(old)}
