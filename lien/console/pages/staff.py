"""Staff accounts, for administrators: who may sign in, with which role."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import StaffMember
from lien.auth import ROLES
from lien.console.accounts import AccountRefused, create_staff_member
from lien.console.audit import record_audit
from lien.console.errors import get_or_404
from lien.console.forms import FormReader
from lien.console.i18n import N_, Problem
from lien.console.nav import SETTINGS_TABS, links
from lien.console.roles import AdminPage
from lien.console.routing import console_router, see_other
from lien.console.signin import unlock
from lien.console.templating import flash, render
from lien.deps import SessionDep

router = console_router()
EMPTY_FORM = {"name": "", "email": "", "role": "volunteer"}


async def _page(
    request: Request,
    session: AsyncSession,
    staff: StaffMember,
    values: dict[str, str],
    errors: dict[str, Problem],
    status_code: int = 200,
) -> HTMLResponse:
    members = (await session.execute(select(StaffMember).order_by(StaffMember.name))).scalars()
    context: dict[str, Any] = {
        "tabs": links(request.app, SETTINGS_TABS, role=staff.role, section="staff_accounts"),
        "members": list(members),
        "roles": ROLES,
        "now": utcnow(),
        "values": values,
        "errors": errors,
    }
    return render(request, "staff.html", context, section="settings", status_code=status_code)


@router.get("/settings/staff", name="console.staff_accounts")
async def staff_accounts(request: Request, session: SessionDep, staff: AdminPage) -> HTMLResponse:
    return await _page(request, session, staff, dict(EMPTY_FORM), {})


@router.post("/settings/staff", name="console.staff_create")
async def staff_create(request: Request, session: SessionDep, staff: AdminPage) -> Response:
    form = FormReader(await request.form())
    name = form.text("name", required=True, max_length=100)
    email = form.text("email", required=True, max_length=200)
    role = form.choice("role", ROLES, required=True)
    raw = form.form.get("password")
    password = raw if isinstance(raw, str) else ""
    if form.ok:
        try:
            async with session.begin_nested():
                member = await create_staff_member(
                    session,
                    email=email,
                    name=name,
                    role=role,
                    password=password,
                    organisation_id=staff.organisation_id,
                )
        except AccountRefused as refused:
            form.refuse(refused.field, refused.problem)
        else:
            details = {"staff_member_id": member.id, "name": member.name, "role": member.role}
            await record_audit(session, staff=staff, action="staff.create", details=details)
            flash(request, Problem(N_("Compte créé pour %(name)s."), {"name": member.name}))
            return see_other("/settings/staff")
    return await _page(request, session, staff, form.values, form.errors, 422)


@router.post("/settings/staff/{member_id}/active", name="console.staff_toggle_active")
async def staff_toggle_active(
    request: Request, member_id: int, session: SessionDep, staff: AdminPage
) -> Response:
    member = await get_or_404(session, StaffMember, member_id)
    if member.id == staff.id:
        flash(request, Problem(N_("Vous ne pouvez pas désactiver votre propre compte.")))
        return see_other("/settings/staff")
    member.active = not member.active
    action = "staff.activate" if member.active else "staff.deactivate"
    await record_audit(session, staff=staff, action=action, details={"staff_member_id": member.id})
    flash(request, Problem(N_("Compte mis à jour.")))
    return see_other("/settings/staff")


@router.post("/settings/staff/{member_id}/unlock", name="console.staff_unlock")
async def staff_unlock(
    request: Request, member_id: int, session: SessionDep, staff: AdminPage
) -> Response:
    member = await get_or_404(session, StaffMember, member_id)
    await unlock(session, member, request.app.state.sign_in_throttle)
    await record_audit(
        session, staff=staff, action="staff.unlock", details={"staff_member_id": member.id}
    )
    flash(request, Problem(N_("Compte débloqué.")))
    return see_other("/settings/staff")
