"""The one way Lien's processes open the database: every body written is sealed alike."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from db.encryption import use_message_keys
from db.session import create_engine
from lien.settings import Settings


def open_engine(settings: Settings) -> AsyncEngine:
    """Create the configured engine with the message keys, so no command writes plaintext."""
    engine = create_engine(settings.database_url)
    use_message_keys(engine, settings.message_keys())
    return engine
