"""The association's sites for administrators: name, address, opening hours, school zone."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbound import OPENING_HOURS
from db.models import Site
from lien.console.audit import record_audit
from lien.console.errors import get_or_404
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.nav import SETTINGS_TABS, links
from lien.console.roles import AdminPage
from lien.console.routing import console_router, see_other
from lien.console.templating import flash, render
from lien.deps import SessionDep
from lien.sites import ADDRESS, POSTCODE, ZONES, SiteDetails, update_site

router = console_router()
BAD_POSTCODE = Problem(N_("Code postal à cinq chiffres (par exemple 11200)."))


def _values(site: Site) -> dict[str, str]:
    info = site.info or {}
    return {
        "name": site.name,
        "address": str(info.get(ADDRESS, "")),
        "postcode": str(info.get(POSTCODE, "")),
        "opening_hours": str(info.get(OPENING_HOURS, "")),
        "school_zone": site.school_zone or "",
    }


async def _page(
    request: Request,
    session: AsyncSession,
    forms: dict[int, tuple[dict[str, str], dict[str, Problem]]],
    status_code: int = 200,
) -> HTMLResponse:
    sites = list(await session.scalars(select(Site).order_by(Site.id)))
    context: dict[str, Any] = {
        "tabs": links(request.app, SETTINGS_TABS, role="admin", section="sites"),
        "sites": [(site, *forms.get(site.id, (_values(site), {}))) for site in sites],
        "zones": ZONES,
    }
    return render(request, "sites.html", context, section="settings", status_code=status_code)


@router.get("/settings/sites", name="console.sites")
async def sites_page(request: Request, session: SessionDep, _staff: AdminPage) -> HTMLResponse:
    return await _page(request, session, {})


@router.post("/settings/sites/{site_id}", name="console.site_save")
async def site_save(
    request: Request, site_id: int, session: SessionDep, staff: AdminPage
) -> Response:
    site = await get_or_404(session, Site, site_id)
    form = FormReader(await request.form())
    name = form.text("name", required=True, max_length=200)
    address = form.text("address", max_length=500)
    postcode = form.text("postcode", max_length=5)
    hours = form.text("opening_hours", max_length=500)
    zone = form.choice("school_zone", ZONES)
    if postcode and not (len(postcode) == 5 and postcode.isdigit()):
        form.refuse("postcode", BAD_POSTCODE)
    if not form.ok:
        return await _page(request, session, {site.id: (form.values, form.errors)}, 422)
    details = SiteDetails(
        name=name,
        address=address,
        postcode=postcode or None,
        opening_hours=hours,
        school_zone=zone or None,
    )
    update_site(site, details)
    await session.flush()
    await record_audit(session, staff=staff, action="site.update", details={"site_id": site.id})
    flash(request, Problem(N_("Site « %(name)s » enregistré."), {"name": site.name}))
    return see_other("/settings/sites")
