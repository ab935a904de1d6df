"""Staff edits of the directory, laid over the shipped file, and what people are then sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory import Directory, DirectoryError, render_entry
from bot.directory_store import (
    Edit,
    EntryExists,
    UnknownEntry,
    add_entry,
    edit_entry,
    effective_directory,
    layered,
    remove_entry,
    revert_entry,
    set_places,
)
from db.base import utcnow
from gateway.inbound import InboundRouter
from tests.bot.visitor import Visitor
from tests.factories import create_site


@pytest.fixture
async def owner(session: AsyncSession) -> None:
    """The organisation whose edits these are."""
    await create_site(session)


NEW_ENTRY = {
    "id": "maraude-nimes",
    "name": "Maraude du soir",
    "categories": ["shelter", "food"],
    "what": {"fr": "Repas chaud et couvertures.", "en": "Hot meal.", "ar": "وجبة ساخنة."},
}


async def test_an_edited_field_overrides_the_file_and_can_be_reverted(
    session: AsyncSession, directory: Directory, owner: None
) -> None:
    now = utcnow()
    await edit_entry(
        session,
        base=directory,
        entry_id="cimade-nimes",
        changes={"phone": "04 66 00 00 00"},
        staff_member_id=None,
        now=now,
    )
    edited = (await effective_directory(session, base=directory)).get("cimade-nimes")
    assert edited is not None and edited.phone == "04 66 00 00 00"
    assert edited.what == directory.get("cimade-nimes").what  # type: ignore[union-attr]

    await revert_entry(session, base=directory, entry_id="cimade-nimes")
    assert (await effective_directory(session, base=directory)).get("cimade-nimes") == (
        directory.get("cimade-nimes")
    )


async def test_an_edit_that_breaks_the_entry_is_refused_with_the_reason(
    session: AsyncSession, directory: Directory, owner: None
) -> None:
    with pytest.raises(DirectoryError, match='entry "cimade-nimes": what: missing "ar"'):
        await edit_entry(
            session,
            base=directory,
            entry_id="cimade-nimes",
            changes={"what": {"fr": "Conseils", "en": "Advice"}},
            staff_member_id=None,
            now=utcnow(),
        )
    with pytest.raises(UnknownEntry):
        await edit_entry(
            session,
            base=directory,
            entry_id="nowhere",
            changes={"phone": "1"},
            staff_member_id=None,
            now=utcnow(),
        )


async def test_free_places_are_for_shelters_and_shown_the_same_day(
    session: AsyncSession, directory: Directory, owner: None
) -> None:
    now = utcnow()
    entry = await set_places(
        session,
        base=directory,
        entry_id="accueil-de-nuit",
        count=3,
        staff_member_id=None,
        now=now,
    )
    assert "Places disponibles aujourd'hui : 3" in render_entry(entry, "fr", now=now)
    assert "Places" not in render_entry(entry, "fr", now=now + timedelta(days=1))
    with pytest.raises(DirectoryError, match="only counted for shelters"):
        await set_places(
            session,
            base=directory,
            entry_id="pass-caremeau",
            count=2,
            staff_member_id=None,
            now=now,
        )


async def test_staff_add_and_remove_entries(
    session: AsyncSession, directory: Directory, owner: None
) -> None:
    now = utcnow()
    await add_entry(session, base=directory, data=NEW_ENTRY, staff_member_id=None, now=now)
    with pytest.raises(EntryExists):
        await add_entry(session, base=directory, data=NEW_ENTRY, staff_member_id=None, now=now)
    with pytest.raises(EntryExists):
        await add_entry(
            session,
            base=directory,
            data={**NEW_ENTRY, "id": "siao-115"},
            staff_member_id=None,
            now=now,
        )
    await remove_entry(session, base=directory, entry_id="siao-115", staff_member_id=None, now=now)

    shelters = (await effective_directory(session, base=directory)).entries_for("shelter")
    assert [e.id for e in shelters] == ["accueil-de-nuit", "maraude-nimes"]

    await remove_entry(
        session, base=directory, entry_id="maraude-nimes", staff_member_id=None, now=now
    )
    await revert_entry(session, base=directory, entry_id="siao-115")
    shelters = (await effective_directory(session, base=directory)).entries_for("shelter")
    assert [e.id for e in shelters] == ["siao-115", "accueil-de-nuit"]


def test_an_old_edit_that_no_longer_fits_a_new_file_is_ignored(directory: Directory) -> None:
    edits = {"cimade-nimes": Edit(fields={"categories": ["unknown-need", 42]})}

    served = layered(directory, edits)

    assert served.get("cimade-nimes") == directory.get("cimade-nimes")
    with pytest.raises(DirectoryError):
        layered(directory, edits, strict=True)


async def test_the_orientation_shows_todays_places_set_by_staff(
    session: AsyncSession, router: InboundRouter, directory: Directory
) -> None:
    await create_site(session)
    await set_places(
        session,
        base=directory,
        entry_id="accueil-de-nuit",
        count=4,
        staff_member_id=None,
        now=datetime.now(UTC),
    )
    visitor = Visitor(session, router)
    for text in ("Bonjour", "3", "Karim", "1", "1"):  # Arabic, shelter, has a place tonight
        await visitor.say(text)

    orientation, _closing = await visitor.say("2")  # not a minor alone

    assert "أماكن متاحة اليوم: 4" in orientation
    assert "115 - Samu social du Gard (SIAO)" in orientation
