from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from twilio.rest import Client
from typer.testing import CliRunner

from db.base import utcnow
from db.migrate import upgrade
from db.models import Message
from db.session import create_engine, create_sessionmaker, transaction
from fakeprovider import DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN, FakeProviderServer
from gateway.exchange import Origin
from gateway.outbox import OutgoingMessage, queue_message
from lien.cli import app
from tests.factories import create_person

runner = CliRunner()
PHONE = "+33612345678"


async def prepare(url: str, *, provider_id: str | None) -> int:
    """Create the schema and one SMS whose send ended unknown two hours ago."""
    engine = create_engine(url)
    await upgrade(engine)
    async with transaction(create_sessionmaker(engine)) as session:
        person = await create_person(session, phone=PHONE)
        spec = OutgoingMessage(beneficiary_id=person.id, text="Rappel", origin=Origin("t"))
        message_id = await queue_message(session, spec)
        await session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(
                status="unknown",
                provider_id=provider_id,
                updated_at=utcnow() - timedelta(hours=2),
            )
        )
    await engine.dispose()
    assert message_id is not None
    return message_id


async def status_of(url: str, message_id: int) -> str:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        status = await session.scalar(select(Message.status).where(Message.id == message_id))
    await engine.dispose()
    return str(status)


def test_an_empty_outbox_is_healthy(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    asyncio.run(upgrade_only(url))
    result = runner.invoke(app, ["outbox", "check"], env={"LIEN_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "Aucun message bloqué" in result.output


async def upgrade_only(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()


def test_a_stuck_send_fails_the_check_until_twilio_is_asked(
    tmp_path: Path, fake_provider: FakeProviderServer
) -> None:
    twilio = Client(DEFAULT_TWILIO_SID, DEFAULT_TWILIO_TOKEN)
    twilio.api.base_url = fake_provider.twilio_api_url
    sid = twilio.messages.create(to=PHONE, from_="+33700000000", body="Rappel").sid
    url = f"sqlite+aiosqlite:///{tmp_path / 'stuck.db'}"
    message_id = asyncio.run(prepare(url, provider_id=sid))
    env = {
        "LIEN_DATABASE_URL": url,
        "TWILIO_ACCOUNT_SID": DEFAULT_TWILIO_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_TWILIO_TOKEN,
        "LIEN_TWILIO_FROM": "+33700000000",
        "LIEN_TWILIO_API_URL": fake_provider.twilio_api_url,
    }

    stuck = runner.invoke(app, ["outbox", "check"], env=env)
    assert stuck.exit_code == 1, stuck.output
    assert "issue inconnue" in stuck.output and str(message_id) in stuck.output

    reconciled = runner.invoke(app, ["outbox", "check", "--reconcile"], env=env)
    assert reconciled.exit_code == 0, reconciled.output
    assert "1 mis à jour" in reconciled.output
    assert asyncio.run(status_of(url, message_id)) == "delivered"


def test_reconciling_without_twilio_says_why(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nosms.db'}"
    asyncio.run(prepare(url, provider_id=None))
    result = runner.invoke(
        app,
        ["outbox", "check", "--reconcile", "--unknown-hours", "3"],
        env={"LIEN_DATABASE_URL": url},
    )
    assert result.exit_code == 0, result.output
    assert "Rapprochement impossible" in result.output
