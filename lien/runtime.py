"""The running parts of Lien, wired once for `serve`, `worker` and `chat`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.inbound import Accueil
from db.base import utcnow
from db.migrate import upgrade
from db.models import Message, Organisation
from db.session import SessionMaker, create_sessionmaker, transaction
from gateway.arrival_writer import ArrivalWriter
from gateway.channels.base import Channel, InboundMessage
from gateway.channels.simulator import SimulatorChannel
from gateway.channels.telegram import TelegramChannel
from gateway.channels.twilio import TwilioChannel
from gateway.consumer import ConsumerConfig, InboundConsumer
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.inbound import InboundRouter, receive
from gateway.media_store import Store
from gateway.privacy.digest import session_info
from gateway.privacy.sources import PrivacyRegistry
from gateway.ratelimit import RateLimits
from gateway.records import ensure_organisation
from gateway.writers import Writers
from lien.engine import open_engine
from lien.import_runner import ImportRunner
from lien.settings import Settings

log = logging.getLogger(__name__)
PeriodicFunc = Callable[[AsyncSession, datetime], Awaitable[object]]
Bootstrap = Callable[[AsyncSession], Awaitable[object]]


@dataclass(frozen=True)
class PeriodicJob:
    """A thin scheduled job: a plain function run in its own transaction."""

    name: str
    seconds: float
    func: PeriodicFunc
    # Seconds from start to the first run; None waits one whole interval. A daily job
    # of a process restarted more often than daily would otherwise never run.
    first_run_after: float | None = None


@dataclass(frozen=True)
class PeriodicTask:
    """Scheduled work that opens its own short transactions, such as asking a provider."""

    name: str
    seconds: float
    run: Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Reply:
    message_id: int
    text: str
    choices: list[list[str]]


@dataclass(frozen=True)
class ReceiveSummary:
    message_id: int
    beneficiary_id: int
    handled_by: str
    replies: list[Reply]


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: SessionMaker
    channels: dict[str, Channel]
    disabled: dict[str, str]
    router: InboundRouter
    dispatcher: Dispatcher
    jobs: list[PeriodicJob] = field(default_factory=list)
    tasks: list[PeriodicTask] = field(default_factory=list)
    privacy: PrivacyRegistry = field(default_factory=PrivacyRegistry)
    accueil: Accueil | None = None
    consumer: InboundConsumer = field(init=False)
    arrivals: ArrivalWriter = field(init=False)
    imports: ImportRunner = field(init=False)
    # Where the files people send are kept: the fetcher writes there, the console reads.
    attachments: Store = field(init=False)

    def __post_init__(self) -> None:
        self.imports = ImportRunner(self.sessionmaker)
        self.attachments = self.settings.attachment_store()
        self.arrivals = ArrivalWriter(self.sessionmaker, self.dispatcher.writers, clock=utcnow)
        self.consumer = InboundConsumer(
            sessionmaker=self.sessionmaker,
            router=self.router,
            on_replies=self.dispatcher.wake,
            config=ConsumerConfig(
                batch_size=self.settings.inbound_batch,
                poll_interval=self.settings.inbound_poll_seconds,
            ),
            writers=self.dispatcher.writers,
        )

    @property
    def telegram(self) -> TelegramChannel | None:
        channel = self.channels.get("telegram")
        return channel if isinstance(channel, TelegramChannel) else None

    @property
    def twilio(self) -> TwilioChannel | None:
        channel = self.channels.get("sms")
        return channel if isinstance(channel, TwilioChannel) else None

    async def store(self, inbound: InboundMessage) -> bool:
        """Store one arrival and commit, then wake the consumer; False for a repeat."""
        async with self.consumer.arriving():
            stored = await self.arrivals.store(inbound)
        if stored:
            self.consumer.wake()
        return stored

    def start_consumers(self) -> list[asyncio.Task[None]]:
        """Start the configured inbound consumers of this process."""
        return [
            asyncio.create_task(self.consumer.run_forever(), name=f"inbound-{n}")
            for n in range(self.settings.inbound_consumers)
        ]

    async def receive(self, inbound: InboundMessage) -> ReceiveSummary | None:
        """Log and route one inbound message in its own transaction; None for a repeat."""
        async with transaction(self.sessionmaker) as session:
            summary = await self.receive_in(session, inbound)
        if summary is not None and summary.replies:
            self.dispatcher.wake()
        return summary

    async def receive_in(
        self, session: AsyncSession, inbound: InboundMessage
    ) -> ReceiveSummary | None:
        """Log and route one inbound message in the caller's transaction."""
        received = await receive(session, self.router, inbound)
        if received is None:
            return None
        replies = await _replies(session, received.replies)
        return ReceiveSummary(received.message.id, received.person.id, received.handled_by, replies)

    async def run_task(self, task: PeriodicTask) -> None:
        try:
            await task.run()
        except Exception:
            log.exception("periodic task failed", extra={"task": task.name})

    async def run_job(self, job: PeriodicJob) -> None:
        try:
            # On SQLite a job's transaction holds the one write lock: it takes its turn, rather
            # than leave a webhook's commit asleep in SQLite's busy handler.
            async with self.dispatcher.writers.turn(), transaction(self.sessionmaker) as session:
                await job.func(session, utcnow())
        except Exception:
            log.exception("periodic job failed", extra={"job": job.name})
        self.dispatcher.wake()


async def _replies(session: AsyncSession, ids: list[int]) -> list[Reply]:
    if not ids:
        return []
    rows = await session.execute(
        select(Message.id, Message.body, Message.choices)
        .where(Message.id.in_(ids))
        .order_by(Message.id)
    )
    return [Reply(mid, body or "", choices or []) for mid, body, choices in rows.all()]


def build_channels(settings: Settings) -> tuple[dict[str, Channel], dict[str, str]]:
    """Create the channels the settings allow, and say why the others are off."""
    channels: dict[str, Channel] = {
        "simulator": SimulatorChannel(media_folder=settings.data_dir / "simulator-media")
    }
    disabled: dict[str, str] = {}
    if (reason := settings.twilio_disabled_reason()) is None:
        channels["sms"] = TwilioChannel(
            account_sid=settings.twilio_account_sid or "",
            auth_token=settings.twilio_auth_token or "",
            sender=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            api_url=settings.twilio_api_url,
            status_callback_url=f"{settings.base_url}/webhooks/twilio/status",
            timeout=settings.provider_timeout_seconds,
        )
    else:
        disabled["sms"] = reason
    if (reason := settings.telegram_disabled_reason()) is None:
        channels["telegram"] = TelegramChannel(
            token=settings.telegram_bot_token or "",
            api_url=settings.telegram_api_url,
            files=settings.attachment_store(),
        )
    else:
        disabled["telegram"] = reason
    return channels, disabled


async def open_database(
    settings: Settings, *, migrate: bool = True, before_bootstrap: Bootstrap | None = None
) -> tuple[AsyncEngine, SessionMaker]:
    """Open the database as every process does: message keys, migrations, an organisation."""
    engine = open_engine(settings)
    if migrate:
        await upgrade(engine)
    sessionmaker = create_sessionmaker(engine, info=session_info(settings.secret_key))
    if before_bootstrap is not None:
        async with transaction(sessionmaker) as session:
            await before_bootstrap(session)
    async with transaction(sessionmaker) as session:
        if await session.scalar(select(Organisation.id).limit(1)) is None:
            await ensure_organisation(
                session,
                slug="default",
                name=settings.organisation_name,
                site_slug="accueil",
                site_name=settings.site_name,
            )
    return engine, sessionmaker


async def start_runtime(
    settings: Settings, *, migrate: bool = True, before_bootstrap: Bootstrap | None = None
) -> Runtime:
    """Open the database (migrating it), start the channels, build the dispatcher."""
    engine, sessionmaker = await open_database(
        settings, migrate=migrate, before_bootstrap=before_bootstrap
    )
    channels, disabled = build_channels(settings)
    for name, channel in list(channels.items()):
        try:
            await channel.start()
        except Exception as exc:
            disabled[name] = f"démarrage impossible : {type(exc).__name__}: {exc}"[:200]
            del channels[name]
    for name in channels:
        log.info("channel enabled", extra={"channel": name})
    for name, reason in disabled.items():
        log.warning("channel disabled", extra={"channel": name, "reason": reason})
    limits = RateLimits({"sms": settings.rate_sms, "telegram": settings.rate_telegram})
    dispatcher = Dispatcher(
        sessionmaker=sessionmaker,
        channels=channels,
        limits=limits,
        config=DispatcherConfig(
            batch_size=settings.dispatch_batch,
            poll_interval=settings.dispatch_poll_seconds,
            lease_seconds=settings.dispatch_lease_seconds,
            concurrency=settings.dispatch_concurrency,
        ),
        writers=Writers(single_writer=engine.dialect.name == "sqlite"),
    )
    runtime = Runtime(
        settings, engine, sessionmaker, channels, disabled, InboundRouter(), dispatcher
    )
    if runtime.telegram is not None:
        runtime.telegram.set_inbound_sink(_sink(runtime))
    return runtime


def _sink(runtime: Runtime) -> Callable[[InboundMessage], Awaitable[None]]:
    async def sink(inbound: InboundMessage) -> None:
        await runtime.store(inbound)

    return sink


async def stop_runtime(runtime: Runtime) -> None:
    runtime.dispatcher.stop()
    runtime.consumer.stop()
    await runtime.imports.stop()
    for channel in runtime.channels.values():
        try:
            await channel.stop()
        except Exception:
            log.exception("channel stop failed", extra={"channel": channel.name})
    await runtime.engine.dispose()
