"""How one person of a user file becomes a record, or fills in the record Lien already has."""

from __future__ import annotations

from broadcast.importfile import ImportRow
from db.models import Beneficiary, ContactPoint
from gateway.records import PHONE_CHANNELS


def fill_record(person: Beneficiary, row: ImportRow, *, site_id: int | None) -> bool:
    """Fill what the record leaves empty; say whether anything changed."""
    changed = False
    for name, value in (("first_name", row.first_name), ("last_name", row.last_name)):
        if value and not getattr(person, name):
            setattr(person, name, value[:100])
            changed = True
    if site_id is not None and person.site_id is None:
        person.site_id = site_id
        changed = True
    if row.email and "email" not in person.fields:
        person.fields = {**person.fields, "email": row.email}
        changed = True
    known = {p.get("number") for p in person.fields.get("phones", []) if isinstance(p, dict)}
    missing = [{"number": n, "kind": k} for n, k in row.other_phones if n not in known]
    if missing:
        person.fields = {**person.fields, "phones": [*person.fields.get("phones", []), *missing]}
        changed = True
    return changed


def new_person(row: ImportRow, organisation_id: int, site_id: int) -> Beneficiary:
    fields: dict[str, object] = {"email": row.email} if row.email else {}
    if row.other_phones:
        fields["phones"] = [{"number": n, "kind": k} for n, k in row.other_phones]
    if row.shared_phone and row.phone:
        # Reached through the contact of the person of the file who owns this number.
        fields["shared_phone"] = row.phone
    return Beneficiary(
        organisation_id=organisation_id,
        site_id=site_id,
        first_name=(row.first_name or "")[:100] or None,
        last_name=(row.last_name or "")[:100] or None,
        language=row.language or "fr",
        fields=fields,
    )


def missing_contacts(
    person_id: int, row: ImportRow, owners: dict[tuple[str, str], tuple[int, int]]
) -> list[ContactPoint]:
    wanted = []
    if row.phone and not any((ch, row.phone) in owners for ch in PHONE_CHANNELS):
        wanted.append(("sms", row.phone))
    if row.telegram_chat_id is not None and ("telegram", str(row.telegram_chat_id)) not in owners:
        wanted.append(("telegram", str(row.telegram_chat_id)))
    return [ContactPoint(beneficiary_id=person_id, channel=ch, address=a) for ch, a in wanted]
