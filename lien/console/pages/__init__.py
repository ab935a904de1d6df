"""The console's pages, one small module each; a new page adds its router to ROUTERS."""

from __future__ import annotations

from fastapi import APIRouter

from lien.console.pages import (
    beneficiaries,
    dashboard,
    directory,
    events,
    inbox,
    login,
    record_actions,
    record_edit,
    sessions,
    settings,
    simulator,
    staff,
    translations,
    triage,
)

ROUTERS: tuple[APIRouter, ...] = (
    login.router,
    dashboard.router,
    triage.router,
    inbox.router,
    beneficiaries.router,
    events.router,
    sessions.router,
    record_edit.router,
    record_actions.router,
    simulator.router,
    settings.router,
    staff.router,
    directory.router,
    translations.router,
)
