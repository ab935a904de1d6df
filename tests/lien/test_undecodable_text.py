"""A lone surrogate or undecodable text is the client's mistake: a 4xx with a reason, not 5xx."""

from __future__ import annotations

import pytest

from db.session import SessionMaker
from tests.factories import create_person
from tests.lien.conftest import App, bearer

# JSON may spell a lone surrogate with an escape; no encoding can store it.
LONE = b'"x\\udc80"'


async def _person(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session, session.begin():
        return (await create_person(session, phone="+33612345670")).id


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/beneficiaries", b'{"first_name": %s, "phone": "+33612345671"}'),
        ("PATCH", "/api/beneficiaries/{id}", b'{"first_name": %s}'),
        ("POST", "/api/beneficiaries/{id}/messages", b'{"text": %s}'),
        ("POST", "/api/simulator/messages", b'{"from": "sim-1", "text": %s}'),
    ],
)
async def test_a_lone_surrogate_in_json_is_refused_with_422(
    lien_app: App, sessionmaker: SessionMaker, method: str, path: str, body: bytes
) -> None:
    headers = {**await bearer(sessionmaker, role="admin"), "content-type": "application/json"}
    person_id = await _person(sessionmaker)
    response = await lien_app.client.request(
        method, path.format(id=person_id), content=body % LONE, headers=headers
    )
    assert response.status_code == 422, response.text
    assert "caractère" in response.text or "unicode" in response.text, response.text


async def test_bytes_that_are_not_utf8_are_refused_with_a_4xx(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    headers = {**await bearer(sessionmaker, role="admin"), "content-type": "application/json"}
    person_id = await _person(sessionmaker)
    response = await lien_app.client.patch(
        f"/api/beneficiaries/{person_id}", content=b'{"first_name": "\xff\xfe"}', headers=headers
    )
    assert 400 <= response.status_code < 500, response.text
