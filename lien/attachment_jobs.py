"""Fetching the files people send, in the background of every process that runs the jobs."""

from __future__ import annotations

from db.base import utcnow
from gateway.attachment_fetch import FetchPass, fetch_due
from gateway.attachment_removal import remove_fetched
from gateway.channels.base import MediaSource
from gateway.media_store import open_store
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
    return sources


def fetch_task(runtime: Runtime) -> PeriodicTask | None:
    """Fetch pending attachments, when a channel that carries files is on."""
    sources = media_sources(runtime)
    if not sources:
        return None
    settings = runtime.settings
    store = open_store(settings.attachment_folder, settings.message_keys())

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
    """Register the attachment fetcher as a periodic task."""
    if (task := fetch_task(runtime)) is not None:
        runtime.tasks.append(task)
