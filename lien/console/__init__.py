"""The staff console: server-rendered pages (Jinja2 and htmx), in French first.

`install_console(app, settings)` adds the session cookie, the pages, the static files and the
error pages. A page is a module in `lien/console/pages/` (its router from
`routing.console_router()`, added to `pages.ROUTERS`) whose routes are named "console.<page>",
take `roles.VolunteerPage`, `StaffPage` or `AdminPage`, and answer with
`templating.render(request, "<page>.html", context, section="<page>")`; the template extends
`base.html`. Its menu entry in `nav.MAIN_MENU` shows once the page is mounted.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from lien.console.cookie_session import ConsoleSessionMiddleware
from lien.console.errors import install_error_pages
from lien.console.live import POLL_SECONDS
from lien.console.pages import ROUTERS
from lien.console.panels import add_domain_panels
from lien.console.signin_gate import SignInGate
from lien.console.throttle import SignInThrottle
from lien.settings import Settings

STATIC = Path(__file__).parent / "static"


def install_console(
    app: FastAPI, settings: Settings, *, poll_seconds: float = POLL_SECONDS
) -> None:
    """Serve the console at / and its files at /static; lists refresh every `poll_seconds`."""
    app.state.console_poll_seconds = poll_seconds
    app.state.sign_in_throttle = throttle = SignInThrottle()
    app.add_middleware(
        ConsoleSessionMiddleware,
        secret_key=settings.secret_key,
        https_only=settings.base_url.startswith("https://"),
    )
    # Outside the session: a refused flood costs no cookie check either.
    app.add_middleware(SignInGate, throttle=throttle)
    add_domain_panels()
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_pages(app)
