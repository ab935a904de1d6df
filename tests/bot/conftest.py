"""Shared fixtures: the shipped accueil flow and directory, and conversations played in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.directory import Directory, load_directory
from bot.flowdef import Flow
from bot.flowload import load_flows
from bot.rehearsal import Rehearsal


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
