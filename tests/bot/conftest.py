"""Shared fixtures: the shipped flow and directory; conversations in memory and in the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.directory import Directory, load_directory
from bot.flowdef import Flow
from bot.flowload import load_flows
from bot.inbound import Accueil
from gateway.inbound import InboundRouter
from tests.bot.rehearsal import Rehearsal


@pytest.fixture(scope="session")
def accueil() -> Flow:
    return load_flows()["accueil"]


@pytest.fixture(scope="session")
def directory() -> Directory:
    return load_directory()


@pytest.fixture
def now() -> datetime:
    """Return a Tuesday morning in Nîmes."""
    return datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def chat(accueil: Flow, directory: Directory, now: datetime) -> Callable[..., Rehearsal]:
    """Return a way to start accueil conversations, optionally in a known language."""

    def begin(*, lang: str | None = None) -> Rehearsal:
        return Rehearsal(accueil, directory=directory, now=now, lang=lang)

    return begin


@pytest.fixture(scope="session")
def accueil_service(directory: Directory) -> Accueil:
    return Accueil(flows=load_flows(), directory=directory)


@pytest.fixture
def router(accueil_service: Accueil) -> InboundRouter:
    """The gateway's inbound routing with the accueil as its only handler."""
    routes = InboundRouter()
    routes.register("accueil", accueil_service.handle, order=100)
    return routes
