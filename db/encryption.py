"""Optional encryption at rest of message bodies, with Fernet keys bound to an engine.

The keys live on the engine's dialect, where a column type can reach them at bind and result
time: one engine encrypts, another (a test, a tool without keys) reads plaintext rows as they are.
Stored forms: `lien-fernet:<token>` for ciphertext, plain text otherwise; a plain text that
happens to start with one of the markers is written behind `lien-plain:` so it is never
mistaken for ciphertext.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text, TypeDecorator, bindparam, column, select, table, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

CIPHER = "lien-fernet:"
PLAIN = "lien-plain:"
_DIALECT_ATTRIBUTE = "lien_message_keys"


class UndecryptableBody(ValueError):
    """A stored body was encrypted with a key that is not configured."""


@dataclass(frozen=True)
class MessageKeys:
    """Fernet keys: the first encrypts, every one decrypts (rotation)."""

    primary: Fernet
    all: MultiFernet

    @classmethod
    def parse(cls, setting: str | None) -> MessageKeys | None:
        """Read comma-separated Fernet keys; None when the setting is empty."""
        raw = [part.strip() for part in (setting or "").split(",") if part.strip()]
        if not raw:
            return None
        try:
            fernets = [Fernet(key) for key in raw]
        except (ValueError, TypeError) as exc:
            raise ValueError(
                "LIEN_MESSAGE_KEY : clé Fernet invalide (32 octets en base64 url-safe, "
                "générée par Fernet.generate_key())"
            ) from exc
        return cls(fernets[0], MultiFernet(fernets))

    def encrypt(self, text: str) -> str:
        return CIPHER + self.primary.encrypt(text.encode()).decode()

    def decrypt(self, stored: str) -> str:
        try:
            return self.all.decrypt(stored.removeprefix(CIPHER).encode()).decode()
        except InvalidToken as exc:
            raise UndecryptableBody(_UNDECRYPTABLE) from exc

    def is_current(self, stored: str) -> bool:
        """Tell whether a stored value is ciphertext under the first key."""
        if not stored.startswith(CIPHER):
            return False
        try:
            self.primary.decrypt(stored.removeprefix(CIPHER).encode())
        except InvalidToken:
            return False
        return True


_UNDECRYPTABLE = "corps de message chiffré avec une clé absente de LIEN_MESSAGE_KEY"


def use_message_keys(engine: AsyncEngine, keys: MessageKeys | None) -> None:
    """Make every session of this engine encrypt bodies with `keys` (None: store plaintext)."""
    setattr(engine.sync_engine.dialect, _DIALECT_ATTRIBUTE, keys)


def _keys(dialect: Dialect) -> MessageKeys | None:
    keys: MessageKeys | None = getattr(dialect, _DIALECT_ATTRIBUTE, None)
    return keys


def seal(text: str, keys: MessageKeys | None) -> str:
    """Return the stored form of a body."""
    if keys is not None:
        return keys.encrypt(text)
    return PLAIN + text if text.startswith((CIPHER, PLAIN)) else text


def unseal(stored: str, keys: MessageKeys | None) -> str:
    """Return the body a stored form holds; raise UndecryptableBody without the right key."""
    if stored.startswith(PLAIN):
        return stored.removeprefix(PLAIN)
    if not stored.startswith(CIPHER):
        return stored
    if keys is None:
        raise UndecryptableBody(_UNDECRYPTABLE)
    return keys.decrypt(stored)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted when the engine has message keys; plaintext rows are read as they are."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else seal(value, _keys(dialect))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else unseal(value, _keys(dialect))


# The stored form, without the type above: what rotation reads and writes.
_raw_messages = table("messages", column("id"), column("body", Text))


async def reencrypt_batch(
    session: AsyncSession, keys: MessageKeys, *, after_id: int, limit: int = 500
) -> tuple[int | None, int]:
    """Re-encrypt with the first key the bodies after `after_id`; return the last id and changes."""
    rows: Sequence[Any] = (
        await session.execute(
            select(_raw_messages.c.id, _raw_messages.c.body)
            .where(_raw_messages.c.id > after_id, _raw_messages.c.body.is_not(None))
            .order_by(_raw_messages.c.id)
            .limit(limit)
        )
    ).all()
    if not rows:
        return None, 0
    changes = [
        {"row_id": row.id, "sealed": keys.encrypt(unseal(row.body, keys))}
        for row in rows
        if not keys.is_current(row.body)
    ]
    if changes:
        await session.execute(
            update(_raw_messages)
            .where(_raw_messages.c.id == bindparam("row_id"))
            .values(body=bindparam("sealed")),
            changes,
        )
    return int(rows[-1].id), len(changes)
