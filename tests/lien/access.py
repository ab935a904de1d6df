"""Checks that a route refuses callers below its role; the console's tests reuse them."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from db.session import SessionMaker
from lien.auth import ACCOUNT_ROLES, reaches
from tests.lien.conftest import bearer

_PARAM = re.compile(r"\{[^}]+\}")


async def role_headers(sessionmaker: SessionMaker) -> dict[str, dict[str, str]]:
    """Return the headers of one account per role, the instance operator's included."""
    return {
        role: await bearer(sessionmaker, role=role, name=f"acces-{role}") for role in ACCOUNT_ROLES
    }


async def assert_guarded(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    minimum: str,
    headers: Mapping[str, Mapping[str, str]],
) -> None:
    """Prove a route refuses anonymous callers (401) and roles below `minimum` (403), not others."""
    url = _PARAM.sub("1", path)
    anonymous = await client.request(method, url, json={})
    assert anonymous.status_code == 401, (method, path, anonymous.status_code)
    for role in ACCOUNT_ROLES:
        answer = await client.request(method, url, json={}, headers=dict(headers[role]))
        if not reaches(role, minimum):
            assert answer.status_code == 403, (method, path, role, answer.status_code)
        else:
            assert answer.status_code not in (401, 403), (method, path, role, answer.text)
