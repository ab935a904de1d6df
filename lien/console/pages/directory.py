"""The directory of services, for staff: entries by need, their details, today's free places."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory import Directory, DirectoryError, Entry, places_today
from bot.directory_store import (
    PLACES_CATEGORY,
    UnknownEntry,
    edit_entry,
    layered,
    load_edits,
    set_places,
    source_of,
)
from bot.triage import NEEDS
from db.base import utcnow
from lien.console.errors import PageNotFound
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.nav import SETTINGS_TABS, links
from lien.console.roles import StaffPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import RuntimeDep, SessionDep

router = console_router()
MAX_PLACES = 10_000
TEXT_LANGUAGES = ("fr", "en", "ar")
BAD_PLACES = Problem(N_("Un nombre entier de 0 à %(limit)s."), {"limit": MAX_PLACES})
NO_CATEGORY = Problem(N_("Cochez au moins un besoin."))


def _base(runtime: RuntimeDep) -> Directory:
    if runtime.accueil is None:
        raise PageNotFound
    return runtime.accueil.directory


async def _current(session: AsyncSession, base: Directory) -> tuple[Directory, dict[str, Any]]:
    edits = await load_edits(session)
    return layered(base, edits), edits


@router.get("/settings/directory", name="console.directory")
async def directory_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, staff: StaffPage
) -> HTMLResponse:
    base = _base(runtime)
    directory, edits = await _current(session, base)
    now = utcnow()
    context = {
        "tabs": links(request.app, SETTINGS_TABS, role=staff.role, section="directory"),
        "groups": [(need, directory.entries_for(need)) for need in NEEDS],
        "sources": {e.id: source_of(base, edits, e.id) for e in directory.entries},
        "today": {e.id: places_today(e, now=now) for e in directory.entries},
        "shelter": PLACES_CATEGORY,
    }
    return render(request, "directory.html", context, section="settings")


def _values(entry: Entry) -> dict[str, str]:
    values = {
        "name": entry.name,
        "address": entry.address or "",
        "phone": entry.phone or "",
        "hours": (entry.hours or {}).get("fr", ""),
        "conditions": (entry.conditions or {}).get("fr", ""),
        "languages": ", ".join(entry.languages),
        "categories": ",".join(entry.categories),
    }
    values.update({f"what_{lang}": entry.what.get(lang, "") for lang in TEXT_LANGUAGES})
    return values


def _entry_page(
    request: Request,
    entry: Entry,
    values: dict[str, str],
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "entry": entry,
        "needs": NEEDS,
        "languages": TEXT_LANGUAGES,
        "values": values,
        "errors": errors,
    }
    return render(
        request, "directory_entry.html", context, section="settings", status_code=status_code
    )


async def _entry(session: AsyncSession, base: Directory, entry_id: str) -> Entry:
    directory, _edits = await _current(session, base)
    entry = directory.get(entry_id)
    if entry is None:
        raise PageNotFound
    return entry


@router.get("/settings/directory/{entry_id}", name="console.directory_entry")
async def entry_page(
    request: Request, entry_id: str, session: SessionDep, runtime: RuntimeDep, _staff: StaffPage
) -> HTMLResponse:
    entry = await _entry(session, _base(runtime), entry_id)
    return _entry_page(request, entry, _values(entry), {})


def _text(current: dict[str, str] | None, french: str) -> dict[str, str] | None:
    if not french:
        return None
    return {**(current or {}), "fr": french}


def read_changes(form: FormReader, entry: Entry) -> dict[str, Any]:
    """Return the fields the form changes on the entry (empty when nothing changed)."""
    name = form.text("name", required=True, max_length=200)
    categories = form.many("categories", NEEDS)
    if not categories:
        form.refuse("categories", NO_CATEGORY)
    what = dict(entry.what)
    for lang in TEXT_LANGUAGES:
        what[lang] = form.text(f"what_{lang}", required=True, max_length=600)
    wanted: dict[str, Any] = {
        "name": name,
        "categories": categories,
        "what": what,
        "address": form.text("address", max_length=300) or None,
        "phone": form.text("phone", max_length=40) or None,
        "hours": _text(entry.hours, form.text("hours", max_length=600)),
        "conditions": _text(entry.conditions, form.text("conditions", max_length=600)),
        "languages": [
            code.strip().lower()
            for code in form.text("languages", max_length=100).split(",")
            if code.strip()
        ],
    }
    current = entry.model_dump()
    return {key: value for key, value in wanted.items() if current.get(key) != value}


@router.post("/settings/directory/{entry_id}", name="console.directory_entry_save")
async def entry_save(
    request: Request, entry_id: str, session: SessionDep, runtime: RuntimeDep, staff: StaffPage
) -> Response:
    base = _base(runtime)
    entry = await _entry(session, base, entry_id)
    form = FormReader(await request.form())
    changes = read_changes(form, entry)
    if form.ok and not changes:
        flash(request, Problem(N_("Aucune modification.")))
        return see_other("/settings/directory")
    if form.ok:
        try:
            async with session.begin_nested():
                await edit_entry(
                    session,
                    base=base,
                    entry_id=entry_id,
                    changes=changes,
                    staff_member_id=staff.id,
                    now=utcnow(),
                )
        except DirectoryError as refused:
            detail: dict[str, object] = {"detail": "; ".join(refused.problems)}
            form.refuse("form", Problem(N_("Fiche refusée : %(detail)s"), detail))
        else:
            flash(request, Problem(N_("Fiche « %(name)s » enregistrée."), {"name": entry.name}))
            return see_other("/settings/directory")
    return _entry_page(request, entry, form.values, form.errors, 422)


@router.post("/settings/directory/{entry_id}/places", name="console.directory_places")
async def places(
    request: Request, entry_id: str, session: SessionDep, runtime: RuntimeDep, staff: StaffPage
) -> Response:
    form = FormReader(await request.form())
    raw = form.text("places", required=True, max_length=6)
    if not raw.isdigit() or int(raw) > MAX_PLACES:
        flash(request, BAD_PLACES)
        return see_other(f"/settings/directory#entry-{entry_id}")
    try:
        await set_places(
            session,
            base=_base(runtime),
            entry_id=entry_id,
            count=int(raw),
            staff_member_id=staff.id,
            now=utcnow(),
        )
    except UnknownEntry as exc:
        raise PageNotFound from exc
    except DirectoryError:
        flash(request, Problem(N_("Les places libres ne se comptent que pour les hébergements.")))
    else:
        flash(request, Problem(N_("Places disponibles aujourd'hui : %(count)s."), {"count": raw}))
    return see_other(f"/settings/directory#entry-{entry_id}")
