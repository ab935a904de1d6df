"""People of a user file without a contact of their own: a relative's phone, a landline only."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.importfile import ImportRow
from broadcast.importfile.merging import fold_name
from db.models import Beneficiary, ContactPoint


class Unreached:
    """The organisation's people with no contact of their own, by number and name.

    A person sharing a relative's phone, or known only by a landline, has no contact row to be
    found by: this lets importing the same file again find them instead of adding them twice.
    """

    def __init__(self, people: dict[str, list[tuple[int, str]]]) -> None:
        self.people = people

    @classmethod
    async def load(cls, session: AsyncSession, organisation_id: int) -> Unreached:
        has_contact = exists().where(ContactPoint.beneficiary_id == Beneficiary.id)
        rows = await session.execute(
            select(
                Beneficiary.id, Beneficiary.fields, Beneficiary.first_name, Beneficiary.last_name
            )
            .where(Beneficiary.organisation_id == organisation_id, ~has_contact)
            .where(Beneficiary.erased_at.is_(None))
        )
        people: dict[str, list[tuple[int, str]]] = {}
        for person_id, fields, first_name, last_name in rows:
            for number in _numbers_of(fields):
                people.setdefault(number, []).append((person_id, fold_name(first_name, last_name)))
        return cls(people)

    def find(self, number: str, row: ImportRow) -> int | None:
        name = fold_name(row.first_name, row.last_name)
        return next((pid for pid, known in self.people.get(number, []) if known == name), None)

    def add(self, number: str, person_id: int, row: ImportRow) -> None:
        self.people.setdefault(number, []).append(
            (person_id, fold_name(row.first_name, row.last_name))
        )


def _numbers_of(fields: dict[str, object]) -> list[str]:
    shared = fields.get("shared_phone")
    phones = fields.get("phones")
    numbers = [shared] if isinstance(shared, str) else []
    if isinstance(phones, list):
        numbers += [p["number"] for p in phones if isinstance(p, dict) and "number" in p]
    return [n for n in numbers if isinstance(n, str)]
