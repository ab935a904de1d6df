"""Kept attachments for the console's tests: a real tiny PNG, a real short Ogg/Opus note."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.tickets import open_or_join
from db.models import Attachment, Beneficiary, Message
from db.models.attachments import FAILED, PENDING, STORED
from db.session import SessionMaker
from gateway.media_store import Store
from gateway.media_types import detect
from tests.factories import create_person, create_site

# Discord's and WebRTC's silent Opus frame: 20 ms of silence, fullband CELT.
_SILENT_FRAME = b"\xf8\xff\xfe"
_SAMPLES_PER_FRAME = 960  # 20 ms at 48 kHz, the rate Opus always counts in
_PRE_SKIP = 312


def png_1x1() -> bytes:
    """Return a valid PNG of one red pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packets: Sequence[bytes], *, flags: int, granule: int, sequence: int) -> bytes:
    lacing = b""
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    head = struct.pack("<4sBBqIII", b"OggS", 0, flags, granule, 0x4C49454E, sequence, 0)
    page = head + bytes([len(lacing)]) + lacing + b"".join(packets)
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def ogg_opus(seconds: float = 1.0) -> bytes:
    """Return a valid Ogg/Opus file of silence, as phones record voice notes."""
    frames = max(1, int(seconds * 50))
    opus_head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, _PRE_SKIP, 48000, 0, 0)
    vendor = b"lien-tests"
    opus_tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    granule = _PRE_SKIP + frames * _SAMPLES_PER_FRAME
    return (
        _ogg_page([opus_head], flags=0x02, granule=0, sequence=0)
        + _ogg_page([opus_tags], flags=0x00, granule=0, sequence=1)
        + _ogg_page([_SILENT_FRAME] * frames, flags=0x04, granule=granule, sequence=2)
    )


async def _pieces(data: bytes) -> AsyncIterator[bytes]:
    yield data


@dataclass(frozen=True)
class Seeded:
    person_id: int
    message_id: int
    attachment_ids: list[int]


async def message_with_files(
    sessionmaker: SessionMaker,
    store: Store,
    files: Sequence[bytes | str],
    *,
    now: datetime,
    org_slug: str | None = None,
    phone: str = "+33612345678",
    person_id: int | None = None,
) -> Seeded:
    """Write a received message whose files are kept in `store` (bytes), pending or failed.

    A string stands for a file not kept: "pending", or the reason it failed. Without
    `person_id`, the message is from a new person.
    """
    async with sessionmaker() as session, session.begin():
        site = await create_site(
            session, org_slug=org_slug, slug=f"site-{org_slug}" if org_slug else "nimes-accueil"
        )
        if person_id is None:
            person_id = (await create_person(session, site=site, phone=None, simulator=phone)).id
        message = Message(
            beneficiary_id=person_id,
            channel="simulator",
            direction="in",
            body="Voici ma lettre",
            status="received",
            origin_kind="person",
            created_at=now,
            updated_at=now,
        )
        session.add(message)
        await session.flush()
        rows = []
        for position, file in enumerate(files):
            row = Attachment(
                organisation_id=site.organisation_id,
                message_id=message.id,
                position=position,
                provider_ref=f"ref-{position}",
                status=PENDING,
                attempts=0,
                created_at=now,
            )
            if isinstance(file, str) and file != PENDING:
                row.status, row.failure_reason = FAILED, file
            session.add(row)
            rows.append((row, file))
        await session.flush()
        for row, file in rows:
            if isinstance(file, bytes):
                key = f"{site.organisation_id}/{row.id}"
                await store.put(key, _pieces(file))
                row.status, row.storage_key, row.fetched_at = STORED, key, now
                row.detected_type = detect(file[:64])
                row.size, row.sha256 = len(file), hashlib.sha256(file).hexdigest()
        return Seeded(person_id, message.id, [row.id for row, _ in rows])


async def ticket_for(sessionmaker: SessionMaker, seeded: Seeded, *, now: datetime) -> int:
    """Open the triage ticket of a seeded person, from their message on."""
    async with sessionmaker() as session, session.begin():
        person = await session.get(Beneficiary, seeded.person_id)
        assert person is not None
        ticket, _new = await open_or_join(
            session,
            person=person,
            need="rights",
            priority="normal",
            source="flow",
            contact_point_id=None,
            first_message_id=seeded.message_id,
            now=now,
        )
        return ticket.id
