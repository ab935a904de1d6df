"""Rendering pages: one Jinja environment per language, and the context every page gets."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_day_names
from babel.numbers import format_decimal
from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from db.clock import utcnow
from gateway.attachment_files import file_name, kind_of
from gateway.tags import default_label
from lien.console import labels
from lien.console.csrf import csrf_token
from lien.console.i18n import (
    LANGUAGES,
    N_,
    Problem,
    language_name,
    request_language,
    translate,
    translations,
)
from lien.console.live import POLL_SECONDS, unchanged
from lien.console.nav import MAIN_MENU, links, page_path, route_name
from lien.console.roles import Viewer, allows

TEMPLATES = Path(__file__).parent / "templates"
STATIC_VERSION = "5"  # bump when the CSS or JS changes, so browsers fetch the new files
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    # The pages hold personal data: nothing kept in shared caches or the back-forward cache.
    "cache-control": "no-store",
}


def _label(mapping: Mapping[str, str], language: str) -> Any:
    def label(code: str | None) -> str:
        if code is None:
            return ""
        known = mapping.get(code)
        return translate(Problem(known), language) if known else code

    return label


def _tag_label(language: str) -> Any:
    accueil = _label(labels.TAG_LABELS, language)

    def label(code: str | None) -> str:
        # The accueil's own tags, else the vocabulary's label ("isole" is shown "Isolé·e").
        if code is None or code in labels.TAG_LABELS:
            return str(accueil(code))
        return default_label(code, language=language)

    return label


def _when(language: str) -> Any:
    @pass_context
    def when(context: Context, value: datetime | None, style: str = "auto") -> str:
        if value is None:
            return ""
        zone = ZoneInfo(context.get("timezone", "Europe/Paris"))
        local = value.astimezone(zone)
        today = utcnow().astimezone(zone).date()
        if style == "auto":
            if local.date() == today:
                pattern = "HH:mm"
            elif local.year == today.year:
                pattern = "d MMM, HH:mm"
            else:
                pattern = "d MMM y, HH:mm"
        else:
            pattern = style
        return format_datetime(local, pattern, tzinfo=zone, locale=language)

    return when


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


@functools.cache
def environment(language: str) -> Environment:
    """Return the template environment of a language, with its catalogue installed."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        t=lambda problem: translate(problem, language),
        when=_when(language),
        language_name=lambda code: language_name(code, in_language=language),
        role=_label(labels.ROLE_LABELS, language),
        channel=_label(labels.CHANNEL_LABELS, language),
        status=_label(labels.STATUS_LABELS, language),
        origin=_label(labels.ORIGIN_LABELS, language),
        handler=_label(labels.HANDLER_LABELS, language),
        consent=_label(labels.CONSENT_LABELS, language),
        consent_source=_label(labels.CONSENT_SOURCES, language),
        audit_action=_label(labels.AUDIT_LABELS, language),
        field_label=_label(labels.FIELD_LABELS, language),
        need=_label(labels.NEED_LABELS, language),
        priority=_label(labels.PRIORITY_LABELS, language),
        ticket_status=_label(labels.TICKET_STATUS_LABELS, language),
        answer=_label(labels.ANSWER_LABELS, language),
        enrollment=_label(labels.ENROLLMENT_LABELS, language),
        session_status=_label(labels.SESSION_LABELS, language),
        kind=_label(labels.KIND_LABELS, language),
        entry_source=_label(labels.SOURCE_LABELS, language),
        broadcast_status=_label(labels.BROADCAST_LABELS, language),
        bucket=_label(labels.BUCKET_LABELS, language),
        tag=_tag_label(language),
        reminder_status=_label(labels.REMINDER_LABELS, language),
        import_field=_label(labels.IMPORT_FIELD_LABELS, language),
        handoff_reason=_label(labels.REASON_LABELS, language),
        file_size=_file_size(language),
        day=lambda value, pattern="d MMMM y": _upper_first(
            format_date(value, pattern, locale=language)
        ),
    )
    days = get_day_names("wide", locale=language)
    env.globals.update(
        status_tone=lambda s: labels.STATUS_TONES.get(s, "info"),
        priority_tone=lambda p: labels.PRIORITY_TONES.get(p, "info"),
        answer_tone=lambda a: labels.ANSWER_TONES.get(a, "info"),
        broadcast_tone=lambda s: labels.BROADCAST_TONES.get(s, "info"),
        day_name=lambda day: days[day][:1].upper() + days[day][1:],
        attachment_kind=kind_of,
        attachment_name=file_name,
    )
    return env


KILOBYTES = N_("%(size)s ko")
MEGABYTES = N_("%(size)s Mo")


def _file_size(language: str) -> Any:
    """Return a filter writing a size in bytes as people read it: "12 ko", "1,5 Mo"."""
    catalogue = translations(language)

    def size(count: int | None) -> str:
        if count is None:
            return ""
        if count < 1024 * 1024:
            text, amount = KILOBYTES, float(max(1, round(count / 1024)))
        else:
            text, amount = MEGABYTES, round(count / (1024 * 1024), 1)
        shown = format_decimal(amount, format="#,##0.#", locale=language)
        return catalogue.gettext(text) % {"size": shown}

    return size


def url_for(app: FastAPI, page: str, /, **params: object) -> str:
    """Return the path of a console page (never an absolute URL: proxies change the host)."""
    return str(app.url_path_for(route_name(page), **{k: str(v) for k, v in params.items()}))


def flash(request: Request, problem: Problem) -> None:
    """Keep a short notice for the next page shown (after a redirect)."""
    request.session["flash"] = [problem.text, problem.params]


def _take_flash(request: Request) -> Problem | None:
    stored = request.session.pop("flash", None)
    if not isinstance(stored, list) or len(stored) != 2:
        return None
    return Problem(str(stored[0]), dict(stored[1]) if isinstance(stored[1], dict) else {})


def page_context(request: Request, *, section: str | None) -> dict[str, Any]:
    """Return what the base template needs: who, which language, the menu, the token."""
    app: FastAPI = request.app
    # A snapshot, not the ORM row: error pages render after the session rolled back.
    staff: Viewer | None = getattr(request.state, "viewer", None)
    language = request_language(request)
    runtime = getattr(app.state, "runtime", None)
    return {
        "request": request,
        "lang": language,
        "languages": [(code, language_name(code, in_language=code)) for code in LANGUAGES],
        "staff": staff,
        "menu": links(app, MAIN_MENU, role=staff.role, section=section) if staff else [],
        "section": section,
        "csrf_token": csrf_token(request),
        "flash": _take_flash(request),
        "timezone": runtime.settings.timezone if runtime else "Europe/Paris",
        "url": functools.partial(url_for, app),
        "page_path": functools.partial(page_path, app),
        "static": lambda path: f"/static/{path}?v={STATIC_VERSION}",
        "can": lambda minimum: staff is not None and allows(staff.role, minimum),
        "here": request.url.path,
        "poll_seconds": getattr(app.state, "console_poll_seconds", POLL_SECONDS),
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    section: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page (or an HTMX fragment) in the request's language."""
    values = page_context(request, section=section)
    values.update(context or {})
    html = environment(values["lang"]).get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def render_polled(
    request: Request, template: str, context: Mapping[str, Any], *, section: str | None = None
) -> Response:
    """Render a polled fragment, or answer an empty 204 when the browser shows its version."""
    same = unchanged(request, str(context["version"]))
    return same or render(request, template, context, section=section)
