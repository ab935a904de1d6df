"""The files people send: fetched in the background of every process that runs the jobs, and
kept as personal data of their own (export, erasure, retention)."""

from __future__ import annotations

from db.base import utcnow
from gateway.attachment_fetch import FetchPass, fetch_due
from gateway.attachment_removal import remove_fetched
from gateway.channels.base import MediaSource
from gateway.channels.simulator import SimulatorChannel
from gateway.privacy.attachments import AttachmentSource
from lien.runtime import PeriodicTask, Runtime

# Soon enough that a photo is there when staff open the ticket a moment later.
FETCH_EVERY_SECONDS = 5


def media_sources(runtime: Runtime) -> dict[str, MediaSource]:
    """Return the channels on in this process that hand over files."""
    sources: dict[str, MediaSource] = {}
    if runtime.twilio is not None:
        sources["sms"] = runtime.twilio
    if runtime.telegram is not None:
        sources["telegram"] = runtime.telegram
    simulator = runtime.channels.get("simulator")
    if runtime.settings.simulator_on and isinstance(simulator, SimulatorChannel):
        sources["simulator"] = simulator
    return sources


def fetch_task(runtime: Runtime) -> PeriodicTask | None:
    """Fetch pending attachments, when a channel that carries files is on."""
    sources = media_sources(runtime)
    if not sources:
        return None
    settings = runtime.settings
    store = runtime.attachments

    async def fetch() -> FetchPass:
        fetched = await fetch_due(
            runtime.sessionmaker,
            sources=sources,
            store=store,
            now=utcnow(),
            max_bytes=settings.attachment_max_bytes,
            writers=runtime.dispatcher.writers,
        )
        if runtime.twilio is not None:
            # Twilio's copy goes once Lien keeps its own, the way erasure deletes messages there.
            await remove_fetched(
                runtime.sessionmaker,
                runtime.twilio,
                now=utcnow(),
                writers=runtime.dispatcher.writers,
            )
        return fetched

    return PeriodicTask("attachments-fetch", FETCH_EVERY_SECONDS, fetch)


def wire_attachments(runtime: Runtime) -> None:
    """Register the files as a personal-data source, and the fetcher as a periodic task.

    Registered after the core's sources, the files are erased and purged before the
    messages they belong to.
    """
    runtime.privacy.register(AttachmentSource(runtime.attachments))
    if (task := fetch_task(runtime)) is not None:
        runtime.tasks.append(task)
