"""Plug the domains into the gateway: inbound handlers and periodic jobs, in order."""

from __future__ import annotations

from lien.runtime import Runtime


def wire_domains(runtime: Runtime) -> None:
    """Register every domain's handlers and jobs on a freshly started runtime."""
    del runtime  # the domains register here as they are added
