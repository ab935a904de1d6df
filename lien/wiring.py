"""Plug the domains into the gateway: inbound handlers, periodic jobs, personal-data sources."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory import DIRECTORY_FILE, load_directory
from bot.flowdef import FlowError
from bot.flowload import FLOWS_FOLDER, load_flows
from bot.inbound import ACCUEIL, OUT_OF_FLOW, Accueil
from bot.privacy import AccueilSource
from bot.tasks import run_conversation_timeouts
from bot.urgency import LEXICON_FILE, load_lexicon
from broadcast.audience import AudienceSources
from broadcast.import_jobs import forget_old_jobs
from broadcast.inbound import attach_reply
from broadcast.privacy import BroadcastsSource
from broadcast.tasks import run_due_broadcasts
from db.models import Enrollment
from lien.attachment_jobs import wire_attachments
from lien.outbox_jobs import wire_outbox
from lien.privacy_jobs import wire_privacy
from lien.runtime import PeriodicJob, Runtime
from lien.settings import Settings
from notifications.inbound import handle as notifications_inbound
from notifications.privacy import ActivitiesSource
from notifications.states import ENROLLED
from notifications.tasks import TICK_SECONDS
from notifications.tasks import tick as notifications_tick

# Replies to a broadcast are attached first; that handler never takes the message, so it goes
# on to the others.
BROADCAST_REPLIES_ORDER = 5
# A reply to a reminder ("OUI", "2") must reach the reminders before any conversation
# that could read it otherwise.
NOTIFICATIONS_ORDER = 10
# The accueil answers every message it is offered (out of flow: a ticket and an
# acknowledgement), so it comes after any handler that only takes some messages.
ACCUEIL_ORDER = 100
TIMEOUTS_EVERY_SECONDS = 60.0
# Import jobs older than a day, with the file of one never taken up again, are deleted hourly.
IMPORTS_FORGOTTEN_EVERY_SECONDS = 3600.0


def load_accueil(settings: Settings) -> Accueil:
    """Read the flows, directory and lexicon; raise an error naming each mistake."""
    folder = settings.flows_dir or FLOWS_FOLDER
    flows = load_flows(folder)
    if ACCUEIL not in flows:
        raise FlowError([f'{folder}: no flow "{ACCUEIL}" (file {ACCUEIL}.yaml)'])
    if OUT_OF_FLOW not in flows[ACCUEIL].texts:
        raise FlowError([f'{ACCUEIL}.yaml: texts: missing "{OUT_OF_FLOW}"'])
    directory = load_directory(settings.directory_file or DIRECTORY_FILE)
    lexicon = load_lexicon(settings.urgency_file or LEXICON_FILE)
    return Accueil(flows=flows, directory=directory, lexicon=lexicon)


def enrolled_in(event_id: int) -> Select[int]:
    """The people enrolled in an event, for audiences narrowed to it."""
    return select(Enrollment.beneficiary_id).where(
        Enrollment.event_id == event_id, Enrollment.status == ENROLLED
    )


def audience_sources() -> AudienceSources:
    """Return the lists of other domains that broadcast audiences may be narrowed by."""
    return AudienceSources(enrolled=enrolled_in)


async def fan_out_broadcasts(session: AsyncSession, now: datetime) -> None:
    await run_due_broadcasts(session, now, sources=audience_sources())


def wire_domains(runtime: Runtime) -> None:
    """Register every domain's handlers, jobs and personal-data sources on a fresh runtime."""
    accueil = load_accueil(runtime.settings)
    runtime.accueil = accueil
    # The core's personal-data sources first: a domain's source, registered after, is erased
    # and purged before the core's.
    wire_privacy(runtime)
    wire_outbox(runtime)
    wire_attachments(runtime)
    runtime.privacy.register(ActivitiesSource())
    runtime.privacy.register(AccueilSource())
    runtime.privacy.register(BroadcastsSource())
    runtime.router.register("broadcast-replies", attach_reply, order=BROADCAST_REPLIES_ORDER)
    runtime.router.register("notifications", notifications_inbound, order=NOTIFICATIONS_ORDER)
    runtime.router.register(ACCUEIL, accueil.handle, order=ACCUEIL_ORDER)
    runtime.jobs += [
        PeriodicJob("notifications", TICK_SECONDS, notifications_tick),
        PeriodicJob("broadcasts", runtime.settings.broadcast_tick_seconds, fan_out_broadcasts),
        PeriodicJob("old-imports", IMPORTS_FORGOTTEN_EVERY_SECONDS, forget_old_jobs),
        PeriodicJob(
            "conversation_timeouts",
            TIMEOUTS_EVERY_SECONDS,
            partial(run_conversation_timeouts, flows=accueil.flows, directory=accueil.directory),
        ),
    ]
