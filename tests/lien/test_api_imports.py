from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db.models import Beneficiary
from db.session import SessionMaker
from tests.broadcast.test_importing import MESSY
from tests.factories import create_site
from tests.lien.conftest import App, bearer


async def upload(app: App, headers: dict[str, str], **form: Any) -> Any:
    return await app.client.post(
        "/api/imports/beneficiaries",
        files={"file": ("usagers.csv", MESSY, "text/csv")},
        data={"organisation": "default", **form},
        headers=headers,
    )


async def people(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Beneficiary)) or 0


async def test_upload_a_user_file_dry_run_then_for_real_then_again(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    dry = await upload(lien_app, staff_headers, dry_run="true")
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] is True
    assert (report["people"], report["created"], report["encoding"], report["delimiter"]) == (
        3,
        3,
        "cp1252",
        ";",
    )
    assert [(r["line"], r["reason"]) for r in report["rejected"]] == [
        (4, "numéro de téléphone invalide : « 12 34 »"),
        (6, "aucun moyen de contact"),
        (8, "numéro de téléphone invalide : « abc »"),
    ]
    assert report["merged"] == [{"line": 3, "merged_lines": [5], "conflicts": []}]
    assert await people(sessionmaker) == 0
    real = await upload(lien_app, staff_headers)
    assert real.json()["created"] == 3 and await people(sessionmaker) == 3
    again = await upload(lien_app, staff_headers)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)


async def test_an_unreadable_file_or_a_volunteer_is_refused(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    staff = await bearer(sessionmaker, name="Claire")
    bad = await lien_app.client.post(
        "/api/imports/beneficiaries",
        files={"file": ("notes.csv", b"Nom;Remarque\r\nDupont;rien\r\n", "text/csv")},
        headers=staff,
    )
    assert bad.status_code == 422 and "colonne" in bad.json()["detail"]
    volunteer = await bearer(sessionmaker, role="volunteer", name="Bénévole")
    refused = await upload(lien_app, volunteer)
    assert refused.status_code == 403
