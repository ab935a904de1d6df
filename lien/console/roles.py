"""Who is signed in to the console, and the roles that open each page."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from db.models import StaffMember
from db.scope import set_scope
from lien.auth import ROLES, scope_of_member
from lien.deps import SessionDep


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


def sign_in_stamp(member: StaffMember) -> str:
    """Return a value that changes with the password, so a new password ends old sessions."""
    return hashlib.sha256((member.password_hash or "").encode()).hexdigest()[:16]


async def console_staff(request: Request, session: SessionDep) -> StaffMember:
    """Return the signed-in staff member, or send the browser to the sign-in page."""
    staff_id = request.session.get("staff")
    member = await session.get(StaffMember, staff_id) if isinstance(staff_id, int) else None
    if (
        member is None
        or not member.active
        or member.role not in ROLES
        or request.session.get("auth") != sign_in_stamp(member)
    ):
        for key in ("staff", "auth"):
            request.session.pop(key, None)
        raise LoginRequired
    set_scope(session, scope_of_member(member))
    request.state.viewer = Viewer(member.id, member.name, member.role)
    return member


ConsoleStaff = Annotated[StaffMember, Depends(console_staff)]


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
