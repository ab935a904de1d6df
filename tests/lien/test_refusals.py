"""Values the database cannot hold get a 4xx with a reason on every route, never a 500."""

from __future__ import annotations

from lien.refusals import REFUSED
from tests.lien.conftest import App

BEYOND_INT32 = 2**31
BEYOND_INT64 = 2**70

CALLS = [
    ("GET", f"/api/events/{BEYOND_INT32}"),
    ("GET", f"/api/tickets/{BEYOND_INT32}"),
    ("GET", f"/api/broadcasts/{BEYOND_INT64}"),
    ("GET", f"/api/occurrences/{BEYOND_INT64}"),
    ("GET", "/api/tickets?need=abri%00nuit"),
]


async def test_out_of_range_ids_and_nul_characters_are_refused_clearly(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    on_postgresql = lien_app.runtime.engine.dialect.name == "postgresql"
    for method, path in CALLS:
        answer = await lien_app.client.request(method, path, headers=staff_headers)
        assert answer.status_code < 500, (path, answer.status_code, answer.text)
        if on_postgresql:
            # PostgreSQL cannot hold these values: refused up front, or by the database as the
            # client's error.
            assert answer.status_code == 422, path
            if "%00" not in path:
                assert answer.json()["detail"] == REFUSED, path


async def test_a_refused_value_loses_nothing_already_stored(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    created = await lien_app.client.post(
        "/api/beneficiaries", json={"first_name": "Awa"}, headers=staff_headers
    )
    assert created.status_code == 201
    await lien_app.client.get(f"/api/tickets/{BEYOND_INT32}", headers=staff_headers)
    again = await lien_app.client.get(
        f"/api/beneficiaries/{created.json()['id']}", headers=staff_headers
    )
    assert again.json()["first_name"] == "Awa"
