"""Plug the domains into the gateway: inbound handlers, periodic jobs, personal-data sources."""

from __future__ import annotations

from lien.privacy_jobs import wire_privacy
from lien.runtime import Runtime


def wire_domains(runtime: Runtime) -> None:
    """Register every domain's handlers, jobs and privacy sources on a freshly started runtime."""
    # The core's personal-data sources first: a domain's source, registered after, is erased
    # and purged before the core's (e.g. `runtime.privacy.register(TicketsSource())`).
    wire_privacy(runtime)
