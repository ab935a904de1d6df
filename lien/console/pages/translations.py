"""Translations, for administrators: which texts people read are missing or still to review."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from lien.console.errors import PageNotFound
from lien.console.nav import SETTINGS_TABS, links
from lien.console.roles import AdminPage
from lien.console.routing import console_router
from lien.console.templating import render
from lien.deps import RuntimeDep
from lien.translations import STATUS_LABELS, translations

router = console_router()


@router.get("/settings/translations", name="console.translations")
async def translations_page(
    request: Request, runtime: RuntimeDep, staff: AdminPage, language: str = ""
) -> HTMLResponse:
    if runtime.accueil is None:
        raise PageNotFound
    flow = runtime.accueil.flow
    offered = [code for code in flow.languages if code != "fr"]
    # An unknown language in the address shows the first one rather than an error page.
    chosen = language if language in offered else (flow.unreviewed_languages or offered)[0]
    rows = translations(flow, runtime.accueil.directory, runtime.accueil.lexicon, language=chosen)
    context: dict[str, Any] = {
        "tabs": links(request.app, SETTINGS_TABS, role=staff.role, section="translations"),
        "languages": [(code, flow.languages[code].name) for code in offered],
        "language": chosen,
        "rows": [row for row in rows if row.status != "reviewed"],
        "total": len(rows),
        "statuses": STATUS_LABELS,
    }
    return render(request, "translations.html", context, section="settings")
