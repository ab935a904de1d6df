from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.encryption import (
    CIPHER,
    MessageKeys,
    UndecryptableBody,
    reencrypt_batch,
    use_message_keys,
)
from db.models import Message
from db.session import SessionMaker, create_engine, create_sessionmaker
from gateway.dispatcher import Dispatcher
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from gateway.privacy.digest import session_info
from gateway.ratelimit import RateLimits
from tests.conftest import TEST_SECRET
from tests.factories import create_person
from tests.providers import ScriptedChannel

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
NUMBERS = itertools.count(10)
SECRET_TEXT = "Rendez-vous au centre de santé mardi"


@pytest.fixture
async def keyed(engine: AsyncEngine, database_url: str) -> AsyncIterator[AsyncEngine]:
    """A second engine on the test database, encrypting with OLD."""
    other = create_engine(database_url)
    use_message_keys(other, MessageKeys.parse(OLD))
    yield other
    await other.dispose()


def maker(engine: AsyncEngine) -> SessionMaker:
    return create_sessionmaker(engine, info=session_info(TEST_SECRET))


async def write(sessionmaker: SessionMaker, body: str) -> int:
    async with sessionmaker() as session, session.begin():
        phone = f"+336123456{next(NUMBERS)}"
        person = await create_person(session, phone=None, simulator=phone)
        message_id = await queue_message(
            session, OutgoingMessage(beneficiary_id=person.id, text=body, origin=Origin("staff"))
        )
    assert message_id is not None
    return message_id


async def stored(sessionmaker: SessionMaker, message_id: int) -> str:
    async with sessionmaker() as session:
        raw = await session.scalar(
            text("SELECT body FROM messages WHERE id = :id"), {"id": message_id}
        )
    return str(raw)


async def read(sessionmaker: SessionMaker, message_id: int) -> str | None:
    async with sessionmaker() as session:
        return await session.scalar(select(Message.body).where(Message.id == message_id))


def test_keys_are_read_from_one_setting_and_a_wrong_one_is_refused_in_french() -> None:
    assert MessageKeys.parse(None) is None and MessageKeys.parse(" ") is None
    keys = MessageKeys.parse(f"{NEW}, {OLD}")
    assert keys is not None
    assert MessageKeys.parse(OLD) is not None
    with pytest.raises(ValueError, match="clé Fernet invalide"):
        MessageKeys.parse("pas-une-clé")


async def test_bodies_are_stored_encrypted_and_read_back_in_clear(
    keyed: AsyncEngine, sessionmaker: SessionMaker
) -> None:
    encrypting = maker(keyed)
    message_id = await write(encrypting, SECRET_TEXT)
    raw = await stored(sessionmaker, message_id)
    assert raw.startswith(CIPHER) and "santé" not in raw
    assert await read(encrypting, message_id) == SECRET_TEXT
    # Without the key the text cannot be read, and Lien says so instead of showing ciphertext.
    with pytest.raises(UndecryptableBody):
        await read(sessionmaker, message_id)


async def test_rows_written_before_encryption_are_read_as_they_are(
    keyed: AsyncEngine, sessionmaker: SessionMaker
) -> None:
    message_id = await write(sessionmaker, "écrit en clair")
    assert await stored(sessionmaker, message_id) == "écrit en clair"
    assert await read(maker(keyed), message_id) == "écrit en clair"


async def test_a_plain_text_looking_like_ciphertext_is_kept_apart(
    sessionmaker: SessionMaker, keyed: AsyncEngine
) -> None:
    tricky = CIPHER + "gAAAAABlookslikeatoken"
    message_id = await write(sessionmaker, tricky)
    assert await read(sessionmaker, message_id) == tricky
    assert await read(maker(keyed), message_id) == tricky


async def test_rotation_reencrypts_every_body_with_the_first_key(
    keyed: AsyncEngine, database_url: str, sessionmaker: SessionMaker
) -> None:
    legacy = await write(sessionmaker, "ancien, en clair")
    old = await write(maker(keyed), SECRET_TEXT)
    rotated = create_engine(database_url)
    keys = MessageKeys.parse(f"{NEW},{OLD}")
    assert keys is not None
    use_message_keys(rotated, keys)
    try:
        async with maker(rotated)() as session, session.begin():
            last, changed = await reencrypt_batch(session, keys, after_id=0, limit=1)
            assert changed == 1 and last is not None
            last, more = await reencrypt_batch(session, keys, after_id=last, limit=10)
            assert more == 1
            assert await reencrypt_batch(session, keys, after_id=last or 0) == (None, 0)
        async with maker(rotated)() as session, session.begin():
            assert (await reencrypt_batch(session, keys, after_id=0))[1] == 0
    finally:
        await rotated.dispose()
    only_new = create_engine(database_url)
    use_message_keys(only_new, MessageKeys.parse(NEW))
    try:
        assert await read(maker(only_new), old) == SECRET_TEXT
        assert await read(maker(only_new), legacy) == "ancien, en clair"
        assert (await stored(sessionmaker, legacy)).startswith(CIPHER)
    finally:
        await only_new.dispose()


async def test_the_dispatcher_sends_the_clear_text(keyed: AsyncEngine) -> None:
    encrypting = maker(keyed)
    async with encrypting() as session, session.begin():
        person = await create_person(session)
        await queue_message(
            session,
            OutgoingMessage(beneficiary_id=person.id, text=SECRET_TEXT, origin=Origin("staff")),
        )
    sms = ScriptedChannel("sms")
    dispatcher = Dispatcher(sessionmaker=encrypting, channels={"sms": sms}, limits=RateLimits({}))
    await dispatcher.run_once()
    assert [call.text for call in sms.calls] == [SECRET_TEXT]
