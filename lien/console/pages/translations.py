"""Translations, for administrators: which texts people read are missing or still to review."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from bot.inbound import Accueil
from db.base import utcnow
from db.scope import owning_organisation
from lien.console.audit import record_audit
from lien.console.errors import PageNotFound
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.nav import SETTINGS_TABS, links
from lien.console.roles import AdminPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import RuntimeDep, SessionDep
from lien.translation_work import overrides_in, refusal, save_text
from lien.translations import STATUS_LABELS, french_texts, translations

router = console_router()
MAX_TEXT = 2000
SAVED = Problem(N_("Texte enregistré, à relire."))
REVIEWED = Problem(N_("Texte enregistré et marqué relu."))
REFUSED = Problem(N_("Texte refusé : %(reason)s."))


def _accueil(runtime: RuntimeDep) -> Accueil:
    if runtime.accueil is None:
        raise PageNotFound
    return runtime.accueil


def _offered(accueil: Accueil) -> list[str]:
    return [code for code in accueil.flow.languages if code != "fr"]


@router.get("/settings/translations", name="console.translations")
async def translations_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, staff: AdminPage, language: str = ""
) -> HTMLResponse:
    accueil = _accueil(runtime)
    flow = accueil.flow
    offered = _offered(accueil)
    # An unknown language in the address shows the first one rather than an error page.
    chosen = language if language in offered else (flow.unreviewed_languages or offered)[0]
    own = await overrides_in(session, organisation_id=None, language=chosen)
    rows = translations(flow, accueil.directory, accueil.lexicon, language=chosen, overrides=own)
    context: dict[str, Any] = {
        "tabs": links(request.app, SETTINGS_TABS, role=staff.role, section="translations"),
        "languages": [(code, flow.languages[code].name) for code in offered],
        "language": chosen,
        "rows": [row for row in rows if row.status != "reviewed"],
        "total": len(rows),
        "statuses": STATUS_LABELS,
    }
    return render(request, "translations.html", context, section="settings")


@router.post("/settings/translations", name="console.translation_save")
async def translation_save(
    request: Request, session: SessionDep, runtime: RuntimeDep, staff: AdminPage
) -> Response:
    accueil = _accueil(runtime)
    form = FormReader(await request.form())
    language = form.choice("language", _offered(accueil), required=True)
    catalogue = form.text("catalogue", required=True, max_length=64)
    key = form.text("key", required=True, max_length=255)
    text = form.text("text", max_length=MAX_TEXT)
    reviewed = form.flag("reviewed")
    french = french_texts(accueil.flow, accueil.directory, accueil.lexicon)
    if not form.ok or (catalogue, key) not in french:
        raise PageNotFound
    back = see_other(f"/settings/translations?language={language}")
    reason = refusal(french[(catalogue, key)], text)
    if reason:
        flash(request, Problem(REFUSED.text, {"reason": reason}))
        return back
    await save_text(
        session,
        organisation_id=await owning_organisation(session),
        catalogue=catalogue,
        key=key,
        language=language,
        text=text,
        reviewed_by=(staff.id, None) if reviewed else None,
        now=utcnow(),
    )
    details = {"catalogue": catalogue, "key": key, "language": language, "reviewed": reviewed}
    await record_audit(session, staff=staff, action="translation.edit", details=details)
    flash(request, REVIEWED if reviewed else SAVED)
    return back
