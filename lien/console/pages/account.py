"""One's own account: a new password, and signing out of every browser."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from db.base import utcnow
from db.models import StaffMember
from db.session import transaction
from gateway.audit import record_audit
from lien.console.accounts import AccountRefused, new_password_hash, set_password
from lien.console.forms import REQUIRED, FormReader
from lien.console.i18n import N_, Problem
from lien.console.roles import SESSION_KEY, BriefStaffPage, VolunteerPage
from lien.console.routing import console_router, see_other
from lien.console.signin import verify_password
from lien.console.staff_sessions import end_sessions
from lien.console.templating import flash, render
from lien.deps import RuntimeDep, SessionDep

router = console_router()

WRONG_CURRENT = Problem(N_("Mot de passe actuel incorrect."))
NOT_THE_SAME = Problem(N_("Les deux mots de passe ne sont pas les mêmes."))


def _password(form: FormReader, name: str) -> str:
    raw = form.form.get(name)
    value = raw if isinstance(raw, str) else ""
    if not value:
        form.refuse(name, REQUIRED)
    return value


@router.get("/account", name="console.account")
async def account_page(request: Request, staff: VolunteerPage) -> HTMLResponse:
    return render(request, "account.html", {"errors": {}, "values": {}}, section="account")


# Two argon2 runs here (the current password, the new one): no request transaction.
@router.post("/account/password", name="console.account_password")
async def change_password(request: Request, staff: BriefStaffPage, runtime: RuntimeDep) -> Response:
    form = FormReader(await request.form())
    current = _password(form, "current")
    new = _password(form, "new")
    again = _password(form, "again")
    if form.ok and new != again:
        form.refuse("again", NOT_THE_SAME)
    if form.ok and not await verify_password(staff.password_hash or "", current):
        form.refuse("current", WRONG_CURRENT)
    password_hash = ""
    if form.ok:
        try:
            password_hash = await new_password_hash(new)
        except AccountRefused as refused:
            form.refuse("new", refused.problem)
    if not form.ok:
        context = {"errors": form.errors, "values": {}}
        return render(request, "account.html", context, section="account", status_code=422)
    async with transaction(runtime.sessionmaker) as session:
        member = await session.get_one(StaffMember, staff.id)
        ended = await set_password(
            session, member, password_hash, now=utcnow(), keep_session=staff.session_token
        )
        record_audit(
            session, staff_id=staff.id, action="staff.password", details={"sessions_ended": ended}
        )
    flash(request, Problem(N_("Mot de passe changé. Vos autres sessions sont fermées.")))
    return see_other("/account")


@router.post("/account/sessions/end", name="console.account_sessions_end")
async def end_everywhere(request: Request, staff: VolunteerPage, session: SessionDep) -> Response:
    token = request.session.get(SESSION_KEY)
    ended = await end_sessions(
        session, staff_id=staff.id, now=utcnow(), keep=token if isinstance(token, str) else None
    )
    record_audit(
        session, staff_id=staff.id, action="staff.sessions_end", details={"sessions_ended": ended}
    )
    flash(request, Problem(N_("Vos sessions sur les autres appareils sont fermées.")))
    return see_other("/account")
