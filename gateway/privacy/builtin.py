"""The core's own personal-data sources, in the order they are registered."""

from __future__ import annotations

from gateway.privacy.core import ConsentSource, ContactSource, IdentitySource
from gateway.privacy.messages import MessageSource
from gateway.privacy.sources import PersonalDataSource, PrivacyRegistry
from gateway.privacy.trail import AuditSource


def core_sources() -> list[PersonalDataSource]:
    return [IdentitySource(), ContactSource(), ConsentSource(), MessageSource(), AuditSource()]


def core_registry() -> PrivacyRegistry:
    """Return a registry holding the core's sources; domains register theirs after."""
    registry = PrivacyRegistry()
    for source in core_sources():
        registry.register(source)
    return registry
