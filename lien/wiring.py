"""Plug the domains into the gateway: inbound handlers, periodic jobs, personal-data sources."""

from __future__ import annotations

from lien.privacy_jobs import wire_privacy
from lien.runtime import PeriodicJob, Runtime
from notifications.inbound import handle as notifications_inbound
from notifications.privacy import ActivitiesSource
from notifications.tasks import TICK_SECONDS
from notifications.tasks import tick as notifications_tick

# A reply to a reminder ("OUI", "2") must reach the reminders before any conversation
# that could read it otherwise; what nobody takes goes to the staff inbox.
NOTIFICATIONS_ORDER = 10


def wire_domains(runtime: Runtime) -> None:
    """Register every domain's handlers, jobs and personal-data sources on a fresh runtime."""
    # The core's personal-data sources first: a domain's source, registered after, is erased
    # and purged before the core's (e.g. `runtime.privacy.register(TicketsSource())`).
    wire_privacy(runtime)
    runtime.privacy.register(ActivitiesSource())
    runtime.router.register("notifications", notifications_inbound, order=NOTIFICATIONS_ORDER)
    runtime.jobs.append(PeriodicJob("notifications", TICK_SECONDS, notifications_tick))
