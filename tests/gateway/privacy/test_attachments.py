"""The files people send as personal data: exported, erased with their person, purged in time."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select, update

from db.encryption import MessageKeys
from db.models import Attachment, Message, Organisation, RetentionCount
from db.session import SessionMaker
from gateway.media_store import FolderStore, SealedStore
from gateway.privacy.attachments import FILES, AttachmentSource
from gateway.privacy.builtin import core_registry
from gateway.privacy.erasure import erase_person
from gateway.privacy.export import export_person
from gateway.privacy.retention import purge_organisation, retention_defaults
from gateway.privacy.sources import PrivacyRegistry
from tests.clock import frozen_at
from tests.gateway.media import sample
from tests.lien.attachment_seed import Seeded, message_with_files, ogg_opus, png_1x1

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
_clock = frozen_at(NOW)


def registry_with(store: FolderStore | SealedStore) -> PrivacyRegistry:
    registry = core_registry()
    registry.register(AttachmentSource(store))
    return registry


def sealed(tmp_path: Path) -> SealedStore:
    keys = MessageKeys.parse(Fernet.generate_key().decode())
    assert keys is not None
    return SealedStore(FolderStore(tmp_path / "files"), keys)


def files_in(tmp_path: Path) -> list[Path]:
    return sorted(p for p in (tmp_path / "files").rglob("*") if p.is_file())


async def test_the_export_lists_each_file_in_words(
    sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    store = sealed(tmp_path)
    photo = png_1x1()
    kept = await message_with_files(
        sessionmaker, store, [photo, ogg_opus(), "pending", "fichier trop grand"], now=NOW
    )
    async with sessionmaker() as session, session.begin():
        exported = await export_person(
            session, registry_with(store), beneficiary_id=kept.person_id, staff_id=None
        )
    (section,) = [s for s in exported["sections"] if s["name"] == "attachments"]
    assert section["title"] == "Fichiers envoyés (photos, enregistrements, documents)"
    assert section["labels"]["sha256"] == "Empreinte SHA-256"
    received = NOW.isoformat()
    assert section["data"] == [
        {
            "received_at": received,
            "sent_by": "vous",
            "channel": "simulator",
            "kind": "image",
            "type": "image/png",
            "size": len(photo),
            "sha256": hashlib.sha256(photo).hexdigest(),
            "status": "conservé",
        },
        {
            "received_at": received,
            "sent_by": "vous",
            "channel": "simulator",
            "kind": "enregistrement audio",
            "type": "audio/ogg",
            "size": len(ogg_opus()),
            "sha256": hashlib.sha256(ogg_opus()).hexdigest(),
            "status": "conservé",
        },
        {
            "received_at": received,
            "sent_by": "vous",
            "channel": "simulator",
            "kind": "",
            "type": "",
            "size": None,
            "sha256": None,
            "status": "en cours de récupération",
        },
        {
            "received_at": received,
            "sent_by": "vous",
            "channel": "simulator",
            "kind": "",
            "type": "",
            "size": None,
            "sha256": None,
            "status": "non récupéré : fichier trop grand",
        },
    ]


async def attachments(sessionmaker: SessionMaker) -> list[Attachment]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Attachment).order_by(Attachment.id)))


async def test_erasure_deletes_the_files_and_their_rows_and_no_one_else_s(
    sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    store = sealed(tmp_path)
    erased = await message_with_files(sessionmaker, store, [png_1x1(), "pending"], now=NOW)
    other = await message_with_files(
        sessionmaker, store, [ogg_opus()], now=NOW, phone="+33611111111"
    )
    assert len(files_in(tmp_path)) == 2
    registry = registry_with(store)
    async with sessionmaker() as session, session.begin():
        done = await erase_person(
            session, registry, beneficiary_id=erased.person_id, staff_id=None, now=NOW
        )
    assert done.rows["attachments"] == 2
    remaining = await attachments(sessionmaker)
    assert [a.id for a in remaining] == other.attachment_ids
    assert files_in(tmp_path) == [tmp_path / "files" / (remaining[0].storage_key or "")]
    async with sessionmaker() as session, session.begin():
        again = await erase_person(
            session, registry, beneficiary_id=erased.person_id, staff_id=None, now=NOW
        )
    assert again.rows["attachments"] == 0


async def _aged(sessionmaker: SessionMaker, seeded: Seeded, months: int) -> None:
    when = NOW - relativedelta(months=months)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Attachment)
            .where(Attachment.message_id == seeded.message_id)
            .values(created_at=when)
        )
        await session.execute(
            update(Message).where(Message.id == seeded.message_id).values(created_at=when)
        )


async def test_retention_deletes_files_older_than_their_own_period(
    sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    store = sealed(tmp_path)
    old = await message_with_files(
        sessionmaker, store, [png_1x1(), sample("application/pdf")], now=NOW
    )
    recent = await message_with_files(
        sessionmaker, store, [ogg_opus()], now=NOW, phone="+33611111111"
    )
    await _aged(sessionmaker, old, 13)
    await _aged(sessionmaker, recent, 11)
    registry = registry_with(store)
    assert retention_defaults(registry)[FILES] == 12

    async with sessionmaker() as session, session.begin():
        organisation = await session.scalar(select(Organisation))
        assert organisation is not None
        preview = await purge_organisation(
            session, registry, organisation=organisation, now=NOW, dry_run=True
        )
    assert preview.counts[FILES] == 2 and len(files_in(tmp_path)) == 3

    async with sessionmaker() as session, session.begin():
        organisation = await session.scalar(select(Organisation))
        assert organisation is not None
        done = await purge_organisation(
            session, registry, organisation=organisation, now=NOW, dry_run=False
        )
    assert done.counts[FILES] == 2
    assert [a.id for a in await attachments(sessionmaker)] == recent.attachment_ids
    assert len(files_in(tmp_path)) == 1
    async with sessionmaker() as session:
        counted = await session.scalar(
            select(func.sum(RetentionCount.count)).where(RetentionCount.kind == FILES)
        )
    assert counted == 2  # the anonymous count stays

    async with sessionmaker() as session, session.begin():
        organisation = await session.scalar(select(Organisation))
        assert organisation is not None
        organisation.settings = {"retention": {FILES: 6}}
        shorter = await purge_organisation(
            session, registry, organisation=organisation, now=NOW, dry_run=False
        )
    assert shorter.counts[FILES] == 1 and files_in(tmp_path) == []


async def test_a_file_never_outlives_its_message(
    sessionmaker: SessionMaker, tmp_path: Path
) -> None:
    store = sealed(tmp_path)
    old = await message_with_files(sessionmaker, store, [png_1x1()], now=NOW)
    await _aged(sessionmaker, old, 13)
    async with sessionmaker() as session, session.begin():
        organisation = await session.scalar(select(Organisation))
        assert organisation is not None
        organisation.settings = {"retention": {FILES: 24, "message_records": 6}}
        done = await purge_organisation(
            session, registry_with(store), organisation=organisation, now=NOW, dry_run=False
        )
    assert done.counts[FILES] == 1 and done.counts["message_records"] == 1
    assert await attachments(sessionmaker) == [] and files_in(tmp_path) == []
