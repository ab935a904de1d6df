"""Plug the domains into the gateway: inbound handlers and periodic jobs, in order."""

from __future__ import annotations

from lien.runtime import PeriodicJob, Runtime
from notifications.inbound import handle as notifications_inbound
from notifications.tasks import TICK_SECONDS
from notifications.tasks import tick as notifications_tick

# A reply to a reminder ("OUI", "2") must reach the reminders before any conversation
# that could read it otherwise; what nobody takes goes to the staff inbox.
NOTIFICATIONS_ORDER = 10


def wire_domains(runtime: Runtime) -> None:
    """Register every domain's handlers and jobs on a freshly started runtime."""
    runtime.router.register("notifications", notifications_inbound, order=NOTIFICATIONS_ORDER)
    runtime.jobs.append(PeriodicJob("notifications", TICK_SECONDS, notifications_tick))
