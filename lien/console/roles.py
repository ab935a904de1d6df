"""Who is signed in to the console, and the roles that open each page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from db.base import utcnow
from db.models import StaffMember
from db.scope import set_scope
from db.session import transaction
from lien.auth import ROLES, scope_of_member
from lien.console.staff_sessions import session_member
from lien.deps import RuntimeDep, SessionDep


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as pages show it: plain values that outlive the request's session."""

    id: int
    name: str
    role: str


class LoginRequired(Exception):
    """Nobody (or nobody still allowed) is signed in on this browser."""


class RoleRefused(Exception):
    """The signed-in person's role is below what the page needs."""

    def __init__(self, minimum: str) -> None:
        super().__init__(minimum)
        self.minimum = minimum


def allows(role: str, minimum: str) -> bool:
    """Say whether a role reaches `minimum` (admin > staff > volunteer)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(minimum)


SESSION_KEY = "sid"


async def console_staff(request: Request, session: SessionDep) -> StaffMember:
    """Return the signed-in staff member, or send the browser to the sign-in page."""
    token = request.session.get(SESSION_KEY)
    member = await session_member(session, token, now=utcnow()) if isinstance(token, str) else None
    if member is None or member.role not in ROLES:
        request.session.pop(SESSION_KEY, None)
        raise LoginRequired
    set_scope(session, scope_of_member(member))
    request.state.viewer = Viewer(member.id, member.name, member.role)
    return member


ConsoleStaff = Annotated[StaffMember, Depends(console_staff)]


@dataclass(frozen=True)
class SignedInMember:
    """The signed-in staff member as plain values, for routes that hash a password."""

    id: int
    name: str
    role: str
    password_hash: str | None
    session_token: str


async def console_staff_brief(request: Request, runtime: RuntimeDep) -> SignedInMember:
    """Like `console_staff`, but in a transaction closed before the route runs.

    A route that runs argon2 takes this one, so that no connection waits on the hash.
    """
    async with transaction(runtime.sessionmaker) as session:
        member = await console_staff(request, session)
        found = SignedInMember(
            member.id, member.name, member.role, member.password_hash, request.session[SESSION_KEY]
        )
    return found


BriefStaffPage = Annotated[SignedInMember, Depends(console_staff_brief)]


class ConsoleMinimumRole:
    """Refuse signed-in staff below `minimum`; the access checks read `minimum` back."""

    def __init__(self, minimum: str) -> None:
        if minimum not in ROLES:
            raise ValueError(f"unknown role: {minimum}")
        self.minimum = minimum

    async def __call__(self, staff: ConsoleStaff) -> StaffMember:
        if not allows(staff.role, self.minimum):
            raise RoleRefused(self.minimum)
        return staff


def console_role(minimum: str) -> object:
    """A dependency refusing signed-in staff whose role is below `minimum`."""
    return Depends(ConsoleMinimumRole(minimum))


# The three doors of the console, named after the lowest role that passes.
VolunteerPage = ConsoleStaff
StaffPage = Annotated[StaffMember, console_role("staff")]
AdminPage = Annotated[StaffMember, console_role("admin")]
