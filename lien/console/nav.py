"""The console's menu: one entry per page, shown once the page exists and the role allows it.

A new page adds its entry here with its page name; entries whose route is not mounted
yet (triage, events, broadcasts, import, directory) stay hidden, so the menu has no dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from starlette.routing import NoMatchFound

from lien.console.i18n import N_
from lien.console.roles import allows

ROUTE_PREFIX = "console."


def route_name(page: str) -> str:
    """Return the route name of a console page: its page name behind a prefix of its own.

    The prefix keeps console pages apart from API routes named after their function
    (`lien.api.inbox.inbox` is the route "inbox").
    """
    return ROUTE_PREFIX + page


@dataclass(frozen=True)
class NavEntry:
    page: str  # the page name (its route is "console." + page); also its section
    label: str  # French text, translated where shown
    minimum: str  # the lowest role that may open it


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool


MAIN_MENU: tuple[NavEntry, ...] = (
    NavEntry("dashboard", N_("Accueil"), "volunteer"),
    NavEntry("triage", N_("Triage"), "volunteer"),
    NavEntry("inbox", N_("Messages reçus"), "volunteer"),
    NavEntry("beneficiaries", N_("Personnes"), "volunteer"),
    NavEntry("events", N_("Événements"), "volunteer"),
    NavEntry("broadcasts", N_("Diffusions"), "staff"),
    NavEntry("user_file_import", N_("Import"), "staff"),
    NavEntry("simulator", N_("Simulateur"), "staff"),
    NavEntry("settings", N_("Réglages"), "admin"),
)

SETTINGS_TABS: tuple[NavEntry, ...] = (
    NavEntry("settings", N_("Canaux et envois"), "admin"),
    NavEntry("staff_accounts", N_("Comptes du personnel"), "admin"),
    NavEntry("sites", N_("Sites"), "admin"),
    NavEntry("directory", N_("Annuaire des services"), "staff"),
    NavEntry("translations", N_("Traductions"), "admin"),
)


def page_path(app: FastAPI, page: str) -> str | None:
    """Return the path of a page without parameters, or None while no such page is mounted."""
    try:
        return str(app.url_path_for(route_name(page)))
    except NoMatchFound:
        return None


def links(
    app: FastAPI, entries: tuple[NavEntry, ...], *, role: str, section: str | None
) -> list[Link]:
    """Return the menu links a role may follow, marking the current section."""
    found = []
    for entry in entries:
        path = page_path(app, entry.page) if allows(role, entry.minimum) else None
        if path is not None:
            found.append(Link(entry.label, path, entry.page == section))
    return found
