"""Reading a phone number or a Telegram chat id typed by staff, refusing one already on a record."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, ContactPoint
from gateway.phones import InvalidPhoneNumber
from gateway.records import (
    ContactTaken,
    add_contact,
    find_by_phone,
    find_contact,
    normalize_address,
)
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem

# The channels staff can add an address for; the simulator's numbers come from the simulator.
ADDABLE_CHANNELS = ("sms", "telegram")
# Telegram gives people positive chat ids and groups negative ones.
_CHAT_ID = re.compile(r"^-?\d{1,20}$")

BAD_PHONE = Problem(N_("Numéro de téléphone illisible : vérifiez les chiffres."))
BAD_CHAT_ID = Problem(N_("Un identifiant de discussion Telegram ne contient que des chiffres."))
ON_THIS_RECORD = Problem(N_("Ce moyen de contact est déjà sur cette fiche."))
# One address is one person across the instance: another association may hold it, unseen here.
TAKEN = Problem(
    N_("Ce moyen de contact est déjà enregistré ailleurs : il ne peut pas être ajouté.")
)


def already_elsewhere(beneficiary_id: int) -> Problem:
    return Problem(
        N_("Ce moyen de contact est déjà sur une autre fiche (n° %(id)s)."), {"id": beneficiary_id}
    )


def read_address(form: FormReader, name: str, channel: str, *, required: bool) -> str | None:
    """Return the canonical address typed in a field, or None (a problem is attached if bad)."""
    typed = form.text(name, required=required, max_length=40)
    if not typed or name in form.errors:
        return None
    if channel == "telegram":
        if not _CHAT_ID.match(typed):
            form.refuse(name, BAD_CHAT_ID)
            return None
        return normalize_address(channel, typed)
    try:
        return normalize_address(channel, typed)
    except InvalidPhoneNumber:
        form.refuse(name, BAD_PHONE)
        return None


async def refuse_if_known(
    session: AsyncSession,
    form: FormReader,
    name: str,
    *,
    channel: str,
    address: str,
    beneficiary_id: int | None = None,
) -> None:
    """Refuse an address that a record already has: one number, one person."""
    if channel == "sms":
        owners = [person.id for person in await find_by_phone(session, address)]
    else:
        found = await find_contact(session, channel=channel, address=address)
        owners = [found.beneficiary_id] if found is not None else []
    if beneficiary_id is not None and beneficiary_id in owners:
        form.refuse(name, ON_THIS_RECORD)
    elif owners:
        form.refuse(name, already_elsewhere(min(owners)))


async def add_checked_contact(
    session: AsyncSession,
    form: FormReader,
    name: str,
    person: Beneficiary,
    *,
    channel: str,
    address: str,
) -> ContactPoint | None:
    """Add the contact, or refuse the field when an address this scope cannot see holds it."""
    try:
        return await add_contact(session, person, channel=channel, address=address)
    except ContactTaken:
        form.refuse(name, TAKEN)
        return None
