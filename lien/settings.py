"""All settings, from the environment (and a .env file), documented in README.md."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from db.encryption import MessageKeys
from gateway.bucket_store import open_bucket
from gateway.file_links import FileLinks
from gateway.media_store import Store, open_store

DEFAULT_SECRET = "change-me"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIEN_", env_file=".env", extra="ignore")

    environment: Literal["development", "demo", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./lien.db"
    public_url: str = "http://127.0.0.1:8000"
    timezone: str = "Europe/Paris"
    secret_key: str = DEFAULT_SECRET
    # Fernet keys, comma-separated: the first encrypts message bodies, every one decrypts.
    message_key: str | None = None
    log_level: str = "INFO"
    # The simulator writes as a beneficiary: always on in demo, elsewhere only when asked.
    simulator_enabled: bool = False

    organisation_name: str = "Mon association"
    site_name: str = "Accueil"
    # The accueil conversation files and the directory of local services (shipped examples).
    flows_dir: Path | None = None
    directory_file: Path | None = None
    # The words that make a message urgent, per language (the shipped lexicon by default).
    urgency_file: Path | None = None
    # The folder of the files Lien keeps itself; attachments go under it unless told.
    data_dir: Path = Path("data")
    attachment_dir: Path | None = None
    # An S3-compatible bucket for the files instead of the folder, when several machines run
    # Lien (boto3's usual AWS_* variables give the credentials; the `s3` extra installs it).
    attachment_bucket: str | None = None
    attachment_bucket_prefix: str = "attachments"
    s3_endpoint_url: str | None = None
    attachment_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1, description="Larger files sent by people are not kept"
    )
    # How long the link an SMS carries to a file staff sent keeps working.
    file_link_days: int = Field(7, ge=1, le=90)

    twilio_account_sid: str | None = Field(
        None, validation_alias=AliasChoices("TWILIO_ACCOUNT_SID", "LIEN_TWILIO_ACCOUNT_SID")
    )
    twilio_auth_token: str | None = Field(
        None, validation_alias=AliasChoices("TWILIO_AUTH_TOKEN", "LIEN_TWILIO_AUTH_TOKEN")
    )
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str = "https://api.twilio.com"

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org"

    rate_sms: float = Field(10.0, gt=0, description="SMS per second, all workers together")
    rate_telegram: float = Field(30.0, gt=0, description="Telegram messages per second")
    dispatch_batch: int = Field(200, ge=1, le=5000)
    dispatch_poll_seconds: float = Field(0.5, gt=0)
    dispatch_lease_seconds: float = Field(120.0, gt=0)
    dispatch_concurrency: int = Field(100, ge=1, le=1000, description="Provider calls at once")
    provider_timeout_seconds: float = Field(10.0, gt=0)
    inbound_consumers: int = Field(
        1, ge=0, le=16, description="Inbound consumers per process (0: store only)"
    )
    inbound_batch: int = Field(16, ge=1, le=500, description="Arrivals handled per transaction")
    inbound_poll_seconds: float = Field(0.25, gt=0)
    unknown_settle_hours: float = Field(
        24.0, gt=0, description="Close as failed a send of unknown outcome no report resolved"
    )

    price_sms_segment: Decimal = Field(
        Decimal("0.0725"), ge=0, description="Prix d'un segment SMS, pour estimer les diffusions"
    )
    price_currency: str = "EUR"
    broadcast_tick_seconds: float = Field(2.0, gt=0, description="Cadence de la mise en file")
    # A request body that stops arriving this long is cut off (408).
    body_timeout_seconds: float = Field(30.0, gt=0)
    # Connections served at once by `lien serve`; beyond, uvicorn answers 503 at once.
    max_connections: int = Field(500, ge=1)
    keep_alive_seconds: float = Field(5.0, gt=0)

    @property
    def attachment_folder(self) -> Path:
        return self.attachment_dir or self.data_dir / "attachments"

    def attachment_store(self) -> Store:
        """Return where the files are kept: the bucket when one is set, else the folder."""
        bucket = None
        if self.attachment_bucket:
            bucket = open_bucket(
                self.attachment_bucket,
                endpoint_url=self.s3_endpoint_url,
                prefix=self.attachment_bucket_prefix,
            )
        return open_store(self.attachment_folder, self.message_keys(), inner=bucket)

    def file_links(self) -> FileLinks:
        """Return what makes and reads the signed links to files sent by SMS."""
        return FileLinks(
            secret=self.secret_key.encode(),
            base_url=self.base_url,
            lifetime=timedelta(days=self.file_link_days),
        )

    @property
    def simulator_on(self) -> bool:
        return self.environment == "demo" or self.simulator_enabled

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "LIEN_SECRET_KEY doit être défini en production (une longue valeur aléatoire)"
            )
        return self

    @model_validator(mode="after")
    def _check_message_keys(self) -> Settings:
        MessageKeys.parse(self.message_key)
        return self

    def message_keys(self) -> MessageKeys | None:
        return MessageKeys.parse(self.message_key)

    def secrets(self) -> list[str]:
        """Return every configured secret, so that logs can be kept free of them."""
        values = (
            make_url(self.database_url).password,
            self.secret_key,
            self.twilio_auth_token,
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            *(self.message_key or "").split(","),
        )
        return [v.strip() for v in values if v and v.strip() and v != DEFAULT_SECRET]

    @cached_property
    def base_url(self) -> str:
        return self.public_url.rstrip("/")

    def prices(self) -> dict[str, Decimal]:
        """Return the unit price of each paid channel; Telegram and the simulator are free."""
        return {"sms": self.price_sms_segment}

    def twilio_disabled_reason(self) -> str | None:
        if not (self.twilio_account_sid and self.twilio_auth_token):
            return "TWILIO_ACCOUNT_SID et TWILIO_AUTH_TOKEN ne sont pas définis"
        if not (self.twilio_from or self.twilio_messaging_service_sid):
            return "ni LIEN_TWILIO_FROM ni LIEN_TWILIO_MESSAGING_SERVICE_SID n'est défini"
        return None

    def telegram_disabled_reason(self) -> str | None:
        if not self.telegram_bot_token:
            return "LIEN_TELEGRAM_BOT_TOKEN n'est pas défini"
        if not self.telegram_webhook_secret:
            return "LIEN_TELEGRAM_WEBHOOK_SECRET n'est pas défini (il protège le webhook)"
        return None
