"""The console's pages, one small module each; a new page adds its router to ROUTERS."""

from __future__ import annotations

from fastapi import APIRouter

from lien.console.pages import (
    account,
    attachments,
    beneficiaries,
    broadcast_follow,
    broadcasts,
    dashboard,
    directory,
    event_enrol,
    events,
    import_job,
    imports,
    inbox,
    login,
    record_actions,
    record_contacts,
    record_edit,
    record_new,
    sessions,
    settings,
    simulator,
    sites,
    staff,
    ticket_actions,
    translations,
    triage,
)

ROUTERS: tuple[APIRouter, ...] = (
    login.router,
    account.router,
    dashboard.router,
    triage.router,
    ticket_actions.router,
    inbox.router,
    # Before the record's own routes: "new" is not a record number.
    record_new.router,
    beneficiaries.router,
    events.router,
    event_enrol.router,
    broadcasts.router,
    broadcast_follow.router,
    imports.router,
    # After the upload routes: "new" is not an import number.
    import_job.router,
    sessions.router,
    record_edit.router,
    record_actions.router,
    record_contacts.router,
    simulator.router,
    settings.router,
    staff.router,
    sites.router,
    directory.router,
    translations.router,
    attachments.router,
)
