"""`lien serve` refuses demo accounts on real data and a guessable secret off loopback."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from lien.cli import app
from lien.demo import DEMO_LOGINS, load_demo, load_demo_logins
from lien.safety import UnsafeStart, refuse_demo_on_real_data, refuse_unsafe_settings
from lien.settings import DEFAULT_SECRET, Settings
from tests.factories import create_site

DEMO_EMAILS = frozenset(email for _, email, _, _ in DEMO_LOGINS)


def _settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_demo_is_refused_in_production_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("LIEN_ENVIRONMENT", "production")
    monkeypatch.setenv("LIEN_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LIEN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/never.db")
    result = CliRunner().invoke(app, ["serve", "--demo"])
    assert result.exit_code == 2
    assert "--demo est refusé en production" in result.output


@pytest.mark.parametrize(
    ("host", "public_url", "refused"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000", False),
        ("localhost", "http://localhost:8000", False),
        ("0.0.0.0", "http://127.0.0.1:8000", True),  # noqa: S104
        ("127.0.0.1", "https://lien.example.org", True),
    ],
)
def test_the_default_secret_is_accepted_only_on_a_loopback_development_server(
    host: str, public_url: str, refused: bool
) -> None:
    settings = _settings(secret_key=DEFAULT_SECRET, public_url=public_url)
    if refused:
        with pytest.raises(UnsafeStart) as caught:
            refuse_unsafe_settings(settings, host=host, demo=False)
        assert "LIEN_SECRET_KEY" in str(caught.value)
    else:
        refuse_unsafe_settings(settings, host=host, demo=False)
    refuse_unsafe_settings(settings, host=host, demo=True)  # the demo holds no real person
    refuse_unsafe_settings(
        _settings(secret_key="y" * 40, public_url=public_url), host=host, demo=False
    )


async def test_demo_is_refused_on_a_database_holding_real_data(session: AsyncSession) -> None:
    await load_demo(session)
    await load_demo_logins(session)
    await refuse_demo_on_real_data(session, DEMO_EMAILS)  # a demo database may restart
    await create_site(session, slug="accueil", org_slug="vraie-asso")
    with pytest.raises(UnsafeStart) as caught:
        await refuse_demo_on_real_data(session, DEMO_EMAILS)
    assert "données réelles" in str(caught.value)
